package reports

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

const bigInt = "918273645546372819" // no float64 holds it

// jwtRun has uk SSAs that share most members (one lacks a shared claim, one has another issuer and
// another header kid, one a claim of its own holding a large integer, one a null header and no claims), and JWTs of
// roles seen fewer than three times in a profile: two requests, two cdr SSAs.
func jwtRun() *Run {
	ssa := func(i int) transcript.DecodedJWT {
		return transcript.DecodedJWT{Role: "software_statement",
			Header: map[string]any{"alg": "PS256", "kid": "dir-1", "typ": "JWT"},
			Claims: map[string]any{"iss": "OpenBanking Ltd", "org_id": "org-1", "software_roles": []any{"AISP", "PISP"},
				"iat": json.Number(bigInt), "software_id": fmt.Sprintf("sw-%d", i), "jti": fmt.Sprintf("j-%d", i)}}
	}
	req := func(i int) transcript.DecodedJWT {
		return transcript.DecodedJWT{Role: "request", Header: map[string]any{"alg": "PS256"},
			Claims: map[string]any{"iss": fmt.Sprintf("sw-%d", i), "token_endpoint_auth_method": "private_key_jwt"}}
	}
	s0, s1, s2, s3, s4 := ssa(0), ssa(1), ssa(2), ssa(3), ssa(4)
	s0.Header["kid"] = "dir-2"
	delete(s1.Claims, "org_id")
	s2.Claims["iss"] = "Other Directory"
	s3.Claims["exp"] = json.Number(bigInt)
	s4.Header, s4.Claims = nil, map[string]any{}
	c0, c1 := ssa(5), ssa(6)
	ex := func(jwts ...transcript.DecodedJWT) transcript.Exchange {
		return transcript.Exchange{Started: t0, Method: "POST", URL: "https://bank.example/register", Status: 201, JWTs: jwts}
	}
	spec := func(id, profile string, exs ...transcript.Exchange) Spec {
		return Spec{ID: id, Profile: profile, Operation: "register", Kind: "positive", Labels: []string{profile}, Outcome: OutcomePassed, Exchanges: exs}
	}
	run := &Run{SchemaVersion: SchemaVersion, ToolVersion: "test", Target: Target{Name: "bank", Profile: "uk,cdr"}, StartedAt: t0, Specs: []Spec{
		spec("UK-1", "uk", ex(s0, req(0)), ex(s1), ex()),
		spec("UK-2", "uk", ex(s2, s3, s4)),
		spec("CDR-1", "cdr", ex(c0, req(1)), ex(c1)),
	}}
	run.Summarize()
	return run
}

func jwtsOf(r *Run) [][]transcript.DecodedJWT {
	var out [][]transcript.DecodedJWT
	for _, s := range r.Specs {
		for _, ex := range s.Exchanges {
			out = append(out, ex.JWTs)
		}
	}
	return out
}

// Members shared by three or more JWTs of a profile's role are written once, and reading gives back
// every JWT as it was folded: claims missing or different, large integers and a null header included.
func TestSharedJWTMembersRoundTrip(t *testing.T) {
	run := jwtRun()
	var first bytes.Buffer
	if err := WriteJSON(&first, run); err != nil {
		t.Fatal(err)
	}
	out := first.String()
	back, err := ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if want, got := jwtsOf(foldRun(run.redacted())), jwtsOf(back); !reflect.DeepEqual(got, want) {
		t.Errorf("JWTs read back:\n%#v\nwant\n%#v", got, want)
	}
	var second bytes.Buffer
	if err := WriteJSON(&second, back); err != nil {
		t.Fatal(err)
	}
	if second.String() != out {
		t.Errorf("JSON changed on a round trip:\n%s\n---\n%s", out, second.String())
	}

	var file struct {
		Shared map[string]map[string]jwtShared `json:"jwts_shared"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&file); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]jwtShared{"uk": {"software_statement": {
		Header: map[string]any{"alg": "PS256", "kid": "dir-1", "typ": "JWT"},
		Claims: map[string]any{"iss": "OpenBanking Ltd", "org_id": "org-1", "software_roles": []any{"AISP", "PISP"}, "iat": json.Number(bigInt)},
	}}}
	if !reflect.DeepEqual(file.Shared, want) {
		t.Errorf("jwts_shared = %#v, want %#v", file.Shared, want)
	}
	for s, n := range map[string]int{
		`"OpenBanking Ltd"`:                     1 + 2, // shared, and the two cdr SSAs'
		`"dir-1"`:                               1 + 2,
		`"dir-2"`:                               1,
		bigInt:                                  1 + 1 + 2, // shared iat, s3's exp, the cdr SSAs' iat
		`"shared_absent":{"claims":["org_id"]}`: 1,
		`"header":{},"claims":{"jti":"j-1","software_id":"sw-1"},"shared_absent"`:                      1,
		`"header":null,"claims":{},"shared_absent":{"claims":["iat","iss","org_id","software_roles"]}`: 1,
	} {
		if c := strings.Count(out, s); c != n {
			t.Errorf("%s appears %d times, want %d in\n%s", s, c, n, out)
		}
	}
}

// A v1 record (nothing shared) is still read, and written again as the current version.
func TestReadJSONReadsV1(t *testing.T) {
	const v1 = `{"schema_version":"dcrconform.report/v1","tool_version":"v0.9.0","target":{"name":"bank","profile":"uk"},"started_at":"2026-05-01T10:00:00Z","duration_ms":5,"summary":{"total":1,"passed":1,"failed":0,"skipped":0},"specs":[
{"id":"UK-REG-P01","title":"t","requirement":"R","profile":"uk","operation":"register","kind":"positive","labels":["uk"],"expect":"201","outcome":"passed","duration_ms":3,"exchanges":[{"started":"2026-05-01T10:00:00Z","method":"POST","url":"https://bank.example/register","status":201,"duration_ms":3,"jwts":[{"role":"software_statement","header":{"alg":"PS256"},"claims":{"iss":"OpenBanking Ltd","exp":` + bigInt + `}}]}]}
]}`
	r, err := ReadJSON(strings.NewReader(v1))
	if err != nil {
		t.Fatal(err)
	}
	want := []transcript.DecodedJWT{{Role: "software_statement", Header: map[string]any{"alg": "PS256"},
		Claims: map[string]any{"iss": "OpenBanking Ltd", "exp": json.Number(bigInt)}}}
	if r.SchemaVersion != schemaV1 || len(r.Specs) != 1 || len(r.Specs[0].Exchanges) != 1 || !reflect.DeepEqual(r.Specs[0].Exchanges[0].JWTs, want) {
		t.Fatalf("read %+v", r)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), `{"schema_version":"`+SchemaVersion+`"`) {
		t.Errorf("a v1 record is written as %.60s", b.String())
	}
	again, err := ReadJSON(&b)
	if err != nil || !reflect.DeepEqual(again.Specs, r.Specs) {
		t.Errorf("v1 → v2 → read: %v\n%+v\nwant %+v", err, again, r.Specs)
	}
}

// allProfilesRun is like a passing run of every profile: 187 specs, each registering a fresh software
// identity (its own SSA with its profile's claims, but RFC 7591 has no SSA), getting a token with a
// client assertion, reading and deleting the registration.
func allProfilesRun() *Run {
	id := func(parts ...any) string { // a stable random-looking identifier
		sum := sha256.Sum256([]byte(fmt.Sprint(parts...)))
		return hex.EncodeToString(sum[:11])
	}
	const bank, tpp = "https://127.0.0.1:36973", "https://tpp.example.com"
	hdr := func(kid string) map[string]any { return map[string]any{"alg": "PS256", "kid": kid, "typ": "JWT"} }
	run := &Run{SchemaVersion: SchemaVersion, ToolVersion: "test", Target: Target{Name: "bank", Profile: "uk"}, StartedAt: t0}
	for _, p := range []struct {
		name  string
		specs int
	}{{"uk", 97}, {"rfc7591", 29}, {"cdr", 26}, {"generic", 20}, {"is", 15}} {
		for i := range p.specs {
			org, sw, key := id(p.name, i, "org"), id(p.name, i, "sw"), id(p.name, i, "key")
			iat := 1796239054 + i
			req := map[string]any{"iss": sw, "aud": bank, "iat": iat, "exp": iat + 300, "jti": id(p.name, i, "jti"),
				"grant_types": []string{"client_credentials", "authorization_code", "refresh_token"}, "redirect_uris": []string{tpp + "/callback"},
				"response_types": []string{"code id_token"}, "application_type": "web", "scope": "openid accounts payments",
				"token_endpoint_auth_method": "private_key_jwt", "token_endpoint_auth_signing_alg": "PS256",
				"id_token_signed_response_alg": "PS256", "request_object_signing_alg": "PS256"}
			if p.name != "rfc7591" {
				ssa := map[string]any{"iss": p.name + "-directory", "iat": iat, "exp": iat + 600, "jti": id(p.name, i, "ssa"),
					"org_id": org, "org_name": fmt.Sprintf("Conformance TPP %d", i), "org_status": "Active",
					"org_contacts":      []map[string]any{{"name": "Technical", "email": "tech@tpp.example.com", "phone": "+440000000000", "type": "Technical"}},
					"org_jwks_endpoint": fmt.Sprintf("%s/%s/%s.jwks", bank, org, org), "org_jwks_revoked_endpoint": fmt.Sprintf("%s/%s/revoked/%s.jwks", bank, org, org),
					"software_id": sw, "software_client_id": sw, "software_client_name": fmt.Sprintf("Conformance software %d", i),
					"software_client_description": fmt.Sprintf("Conformance software %d", i), "software_version": "1.0",
					"software_environment": "sandbox", "software_mode": "Test", "software_status": "Active", "software_client_uri": tpp,
					"software_logo_uri": tpp + "/logo.png", "software_policy_uri": tpp + "/policy", "software_tos_uri": tpp + "/tos",
					"software_redirect_uris": []string{tpp + "/callback", tpp + "/callback2"}, "software_roles": []string{"AISP", "PISP", "CBPII"},
					"software_jwks_endpoint":         fmt.Sprintf("%s/%s/%s.jwks", bank, org, sw),
					"software_jwks_revoked_endpoint": fmt.Sprintf("%s/%s/revoked/%s.jwks", bank, org, sw),
					"organisation_competent_authority_claims": map[string]any{"authority_id": "OBGBR", "registration_id": "Unknown" + org, "status": "Active",
						"authorisations": []map[string]any{{"member_state": "GB", "roles": []string{"AISP", "PISP", "CBPII"}}}},
				}
				req["software_statement"] = jwt(hdr("directory-key"), ssa, "c2ln")
			}
			var rec transcript.Recorder
			started := t0.Add(time.Duration(i) * time.Second)
			rec.Add(transcript.Exchange{Started: started, Method: "POST", URL: bank + "/register", ClientCert: "CN=" + sw + ",O=" + org,
				RequestHeaders: map[string][]string{"Content-Type": {"application/jwt"}}, RequestBody: jwt(hdr(key), req, "c2ln"),
				Status: 201, ResponseHeaders: map[string][]string{"Content-Type": {"application/json"}},
				ResponseBody: `{"client_id":"` + sw + `","client_id_issued_at":` + fmt.Sprint(iat) + `,"token_endpoint_auth_method":"private_key_jwt"}`, DurationMS: 12})
			assertion := jwt(hdr(key), map[string]any{"iss": sw, "sub": sw, "aud": []string{bank + "/oauth2/token", bank}, "iat": iat, "exp": iat + 300, "jti": id(p.name, i, "ca")}, "c2ln")
			rec.Add(transcript.Exchange{Started: started, Method: "POST", URL: bank + "/oauth2/token", ClientCert: "CN=" + sw + ",O=" + org,
				RequestHeaders: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}},
				RequestBody:    "grant_type=client_credentials&scope=accounts&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" + assertion,
				Status:         200, ResponseBody: `{"access_token":"at-` + sw + `","token_type":"Bearer","expires_in":300}`, DurationMS: 5})
			rec.Add(transcript.Exchange{Started: started, Method: "GET", URL: bank + "/register/" + sw, Status: 200,
				ResponseBody: `{"client_id":"` + sw + `"}`, DurationMS: 2})
			rec.Add(transcript.Exchange{Started: started, Method: "DELETE", URL: bank + "/register/" + sw, Status: 204, DurationMS: 2})
			run.Specs = append(run.Specs, Spec{ID: fmt.Sprintf("%s-%03d", strings.ToUpper(p.name), i), Title: "a registration is accepted",
				Profile: p.name, Operation: "register", Kind: "positive", Labels: []string{p.name}, Outcome: OutcomePassed,
				StartedAt: started, DurationMS: 21, Exchanges: rec.Exchanges()})
		}
	}
	run.Summarize()
	return run
}

// Sharing cuts the JSON of a passing run of every profile, and loses nothing: read back, it is the run
// written without sharing.
func TestSharedJWTMembersShrinkAPassingRun(t *testing.T) {
	run := allProfilesRun()
	var plain, shared bytes.Buffer
	if err := writeJSON(&plain, run, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&shared, run); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d specs: %d bytes, %d without sharing (%.0f %%)", len(run.Specs), shared.Len(), plain.Len(), 100*float64(shared.Len())/float64(plain.Len()))
	if shared.Len() > plain.Len()*3/4 {
		t.Errorf("sharing JWT members left %d of %d bytes, want at most three quarters", shared.Len(), plain.Len())
	}
	a, err := ReadJSON(&plain)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadJSON(&shared)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("the run written with shared JWT members reads back differently")
	}
}

// A signed record with shared JWT members verifies, and a forged shared claim is named.
func TestSignedRecordCoversSharedJWTMembers(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	run := jwtRun()
	if err := Sign(run, key, time.Now()); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, run); err != nil {
		t.Fatal(err)
	}
	if v, err := VerifyRecord(b.Bytes(), key.Public()); err != nil || !v.OK() {
		t.Fatalf("%v %+v", err, v)
	}
	forged := strings.Replace(b.String(), `"iss":"OpenBanking Ltd","org_id"`, `"iss":"Rogue Directory","org_id"`, 1)
	if forged == b.String() {
		t.Fatalf("no shared iss in %s", b.String())
	}
	v, err := VerifyRecord([]byte(forged), key.Public())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(v.Problems, "\n"); got != "member jwts_shared (the header members and claims the decoded JWTs share) was changed" {
		t.Errorf("problems: %q", got)
	}
}
