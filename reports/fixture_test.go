package reports

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Secrets planted in the synthetic run; none may appear in any written report.
const (
	secBearer       = "at-SECRET-0001-bearer"
	secAccess       = "at-SECRET-0002-access"
	secRefresh      = "rt-SECRET-0003-refresh"
	secClientSecret = "cs-SECRET-0004-client"
	secRAT          = "rat-SECRET-0005-regtoken"
	secD            = "dSECRET0006privatekeymember"
	secAssertionSig = "SECRETsig0007assertion"
	secRequestSig   = "SECRETsig0008request"
	secSSASig       = "SECRETsig0009ssa"
	secAccessSig    = "SECRETsig0010accessjwt"
	secClaimD       = "dSECRET0011inclaims"
	secBasicPass    = "cs-SECRET-0012-basic"
	secTeardown     = "at-SECRET-0013-teardown"
)

var allSecrets = []string{secBearer, secAccess, secRefresh, secClientSecret, secRAT, secD, secAssertionSig,
	secRequestSig, secSSASig, secAccessSig, secClaimD, secBasicPass, secTeardown,
	base64.StdEncoding.EncodeToString([]byte("client-1:" + secBasicPass))}

// scenario has framework.Scenario's JSON form, as the framework attaches it.
type scenario struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Requirement string   `json:"requirement"`
	Profile     string   `json:"profile"`
	Operation   string   `json:"operation"`
	Kind        string   `json:"kind"`
	Expect      string   `json:"expect"`
	Labels      []string `json:"labels,omitempty"`
}

func (s scenario) labels() []string { return []string{s.Profile, s.Operation, s.Kind, s.ID} }
func (s scenario) text() string     { return "[" + s.ID + "] " + s.Title }

func jwt(header, claims map[string]any, sig string) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(claims) + "." + sig
}

var (
	t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

	scRegP01 = scenario{ID: "UK-REG-P01", Title: "A valid registration request is accepted", Requirement: "OBIE-DCR-3.3-REGISTER",
		Profile: "uk", Operation: "register", Kind: "positive", Expect: "201 with client_id"}
	scRegN01 = scenario{ID: "UK-REG-N01", Title: "An SSA whose signature does not verify is rejected", Requirement: "OBIE-DCR-3.3-SSA-SIGNATURE",
		Profile: "uk", Operation: "register", Kind: "negative", Expect: "400 invalid_software_statement"}
	scRegN05 = scenario{ID: "UK-REG-N05", Title: "A revoked software is rejected", Requirement: "OBIE-DCR-3.3-SSA-STATUS",
		Profile: "uk", Operation: "register", Kind: "negative", Expect: "400 unapproved_software_statement"}
	scTokN02 = scenario{ID: "UK-TOK-N02", Title: "A client assertion signed with an unregistered key is rejected", Requirement: "RFC7523-3",
		Profile: "uk", Operation: "token", Kind: "negative", Expect: "400 or 401 invalid_client"}
	scReadN01 = scenario{ID: "UK-READ-N01", Title: "Reading a registration without a token is refused", Requirement: "RFC7592-2.1",
		Profile: "uk", Operation: "read", Kind: "negative", Expect: "401"}
	scUpdP01 = scenario{ID: "UK-UPD-P01", Title: "A registration can be updated", Requirement: "RFC7592-2.2",
		Profile: "uk", Operation: "update", Kind: "positive", Expect: "200 with the new metadata"}
	scDelP01 = scenario{ID: "UK-DEL-P01", Title: "A registration can be deleted", Requirement: "RFC7592-2.3",
		Profile: "uk", Operation: "delete", Kind: "positive", Expect: "204"}
)

func entry(name string, v any) types.ReportEntry {
	return types.ReportEntry{Name: name, Value: types.WrapEntryValue(v), Visibility: types.ReportEntryVisibilityNever}
}

func itSpec(sc scenario, state types.SpecState, start time.Time, d time.Duration, entries ...types.ReportEntry) types.SpecReport {
	return types.SpecReport{
		ContainerHierarchyTexts: []string{"UK " + sc.Operation},
		LeafNodeType:            types.NodeTypeIt,
		LeafNodeText:            sc.text(),
		LeafNodeLabels:          sc.labels(),
		LeafNodeLocation:        types.CodeLocation{FileName: "/src/suites/uk/" + sc.Operation + ".go", LineNumber: 42},
		State:                   state,
		StartTime:               start,
		EndTime:                 start.Add(d),
		RunTime:                 d,
		ReportEntries:           entries,
	}
}

// syntheticReport is a Ginkgo report of a run against a defective bank: one pass (transcript recorded
// and so already redacted), two failures and a panic whose transcripts carry raw secrets (as if
// recorded elsewhere), skips with and without a scenario entry, a filtered spec, a passed BeforeSuite
// and a failed AfterSuite.
func syntheticReport() types.Report {
	// The passed spec's transcript goes through the recorder, as in a real run.
	var rec transcript.Recorder
	rec.Add(transcript.Exchange{
		Started: t0, Method: "POST", URL: "https://bank.example/register", ClientCert: "CN=tpp-transport,O=TPP",
		RequestHeaders:  map[string][]string{"Content-Type": {"application/jwt"}, "Authorization": {"Bearer " + secBearer}},
		RequestBody:     jwt(map[string]any{"alg": "PS256", "kid": "k1"}, map[string]any{"iss": "sw-1", "aud": "https://bank.example"}, secRequestSig),
		Status:          201,
		ResponseHeaders: map[string][]string{"Content-Type": {"application/json"}},
		ResponseBody:    `{"client_id":"client-1","client_secret":"` + secClientSecret + `"}`,
		DurationMS:      12.5,
	})

	ssa := jwt(map[string]any{"alg": "PS256", "kid": "dir-1", "typ": "JWT"},
		map[string]any{"iss": "OpenBanking Ltd", "software_id": "sw-ABC123", "org_id": "org-1", "software_roles": []string{"AISP", "PISP"}}, secSSASig)
	regRequest := jwt(map[string]any{"alg": "PS256", "kid": "k1", "typ": "JWT"},
		map[string]any{"iss": "sw-ABC123", "aud": "https://bank.example", "token_endpoint_auth_method": "private_key_jwt", "software_statement": ssa}, secRequestSig)
	n01Exchange := transcript.Exchange{
		Started: t0.Add(time.Second), Method: "POST", URL: "https://bank.example/register", ClientCert: "CN=tpp-transport,O=TPP",
		RequestHeaders: map[string][]string{"content-type": {"application/jwt"}, "Accept": {"application/json"}},
		RequestBody:    regRequest,
		Status:         201,
		ResponseHeaders: map[string][]string{"Content-Type": {"application/json"},
			"Set-Cookie": {"session=" + secBearer}},
		ResponseBody: `{"client_id":"client-1","client_secret":"` + secClientSecret + `","registration_access_token":"` + secRAT +
			`","jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","d":"` + secD + `"}]}}`,
		DurationMS: 31.25,
	}
	n01Reason := "UK-REG-N01 [OBIE-DCR-3.3-SSA-SIGNATURE] An SSA whose signature does not verify is rejected\n" +
		"expected: status 400 with error \"invalid_software_statement\"\n" +
		"actual:   status 201\n" +
		"request:  POST https://bank.example/register (client certificate CN=tpp-transport,O=TPP) Authorization: Bearer " + secBearer + "\n" +
		"response: 201 {\"client_id\":\"client-1\",\"client_secret\":\"" + secClientSecret + "\",\"registration_access_token\":\"" + secRAT + "\",\"sof…"

	assertion := jwt(map[string]any{"alg": "PS256", "kid": "unregistered"},
		map[string]any{"iss": "client-1", "sub": "client-1", "aud": "https://bank.example/token", "jti": "j-1"}, secAssertionSig)
	accessJWT := jwt(map[string]any{"alg": "RS256", "kid": "bank-1"},
		map[string]any{"iss": "https://bank.example", "sub": "client-1", "scope": "accounts"}, secAccessSig)
	tokExchange := transcript.Exchange{
		Started: t0.Add(2 * time.Second), Method: "POST", URL: "https://bank.example/token", ClientCert: "CN=tpp-transport,O=TPP",
		RequestHeaders: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"},
			"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("client-1:"+secBasicPass))}},
		RequestBody: "grant_type=client_credentials&scope=accounts&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" + assertion,
		Status:      200, ResponseHeaders: map[string][]string{"Content-Type": {"application/json"}},
		ResponseBody: `{"access_token":"` + accessJWT + `","refresh_token":"` + secRefresh + `","token_type":"Bearer","expires_in":300}`,
		DurationMS:   8,
		// A decoded JWT carried in from elsewhere, with a private key member in its claims.
		JWTs: []transcript.DecodedJWT{{Role: "software_jwks", Header: map[string]any{"alg": "none"},
			Claims: map[string]any{"keys": []any{map[string]any{"kty": "EC", "d": secClaimD}}}}},
	}
	tokReason := "UK-TOK-N02 [RFC7523-3] A client assertion signed with an unregistered key is rejected\n" +
		"expected: status 400 or 401 with error \"invalid_client\"\n" +
		"actual:   status 200\n" +
		"request:  POST https://bank.example/token (client certificate CN=tpp-transport,O=TPP)\n" +
		"response: 200 {\"access_token\":\"" + accessJWT + "\",\"refresh_token\":\"" + secRefresh + "\"}"

	readExchange := transcript.Exchange{
		Started: t0.Add(3 * time.Second), Method: "GET", URL: "https://bank.example/register/client-1?access_token=" + secAccess,
		RequestHeaders: map[string][]string{"Authorization": {"Bearer " + secAccess}},
		Error:          "read tcp 127.0.0.1:1234: connection reset by peer",
		DurationMS:     1.5,
	}

	passed := itSpec(scRegP01, types.SpecStatePassed, t0, 20*time.Millisecond,
		entry(entryScenario, scRegP01), entry(entryTranscript, rec.Exchanges()))
	n01 := itSpec(scRegN01, types.SpecStateFailed, t0.Add(time.Second), 40*time.Millisecond,
		entry(entryScenario, scRegN01), entry(entryTranscript, []transcript.Exchange{n01Exchange}))
	n01.Failure = types.Failure{Message: n01Reason, Location: types.CodeLocation{FileName: "/src/suites/uk/register.go", LineNumber: 77}, FailureNodeType: types.NodeTypeIt}
	tok := itSpec(scTokN02, types.SpecStateFailed, t0.Add(2*time.Second), 15*time.Millisecond,
		entry(entryScenario, scTokN02), entry(entryErrorCode, "invalid_client"), entry(entryTranscript, []transcript.Exchange{tokExchange}))
	tok.Failure = types.Failure{Message: tokReason, Location: types.CodeLocation{FileName: "/src/suites/uk/token.go", LineNumber: 31}}
	read := itSpec(scReadN01, types.SpecStatePanicked, t0.Add(3*time.Second), 5*time.Millisecond,
		entry(entryScenario, scReadN01), entry(entryTranscript, []transcript.Exchange{readExchange}))
	read.Failure = types.Failure{Message: "Test Panicked", ForwardedPanic: "runtime error: invalid memory address or nil pointer dereference",
		Location: types.CodeLocation{FileName: "/src/suites/uk/read.go", LineNumber: 12}}
	skipped := itSpec(scRegN05, types.SpecStateSkipped, t0.Add(4*time.Second), time.Millisecond, entry(entryScenario, scRegN05))
	skipped.Failure = types.Failure{Message: "the target's software has a fixed SSA: a revoked software cannot be minted"}
	// Skipped in a BeforeEach, before the framework attached the scenario.
	early := itSpec(scUpdP01, types.SpecStateSkipped, t0.Add(5*time.Second), 0)
	early.Failure = types.Failure{Message: "the bank does not support update (target.supports.update: false)"}
	// Filtered out by the label filter: no entry, no message.
	filtered := itSpec(scDelP01, types.SpecStateSkipped, time.Time{}, 0)

	beforeSuite := types.SpecReport{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStatePassed, StartTime: t0, EndTime: t0, RunTime: 0}
	afterSuite := types.SpecReport{LeafNodeType: types.NodeTypeAfterSuite, State: types.SpecStateFailed, StartTime: t0.Add(6 * time.Second),
		EndTime: t0.Add(6*time.Second + 3*time.Millisecond), RunTime: 3 * time.Millisecond,
		Failure: types.Failure{Message: "cleanup: DELETE https://bank.example/register/client-1 with Authorization: Bearer " + secTeardown + " returned 500",
			Location: types.CodeLocation{FileName: "/src/suites/suites_test.go", LineNumber: 9}}}

	return types.Report{
		SuiteDescription: "dcrconform: defective bank",
		SuiteSucceeded:   false,
		StartTime:        t0,
		EndTime:          t0.Add(6 * time.Second),
		RunTime:          6 * time.Second,
		SuiteConfig:      types.SuiteConfig{LabelFilter: "register || token || read || update"},
		SpecReports:      types.SpecReports{beforeSuite, passed, n01, tok, read, skipped, early, filtered, afterSuite},
	}
}

func testMeta() Meta {
	return Meta{ToolVersion: "v0.9.0-test", TargetName: "defective bank", Profile: "uk",
		DiscoveryURL: "https://bank.example/.well-known/openid-configuration", RegistrationURL: "https://bank.example/register",
		TokenURL: "https://bank.example/token"}
}
