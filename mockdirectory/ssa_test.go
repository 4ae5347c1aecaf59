package mockdirectory

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

var ssaAlgs = []jose.SignatureAlgorithm{jose.PS256, jose.ES256}

// Claim names of the UK directory's SSAs in seeds 000, 002 and 003 (their union).
var seedUKClaims = []string{
	"iss", "iat", "jti", "software_environment", "software_mode", "software_id", "software_client_id",
	"software_client_name", "software_client_description", "software_version", "software_client_uri",
	"software_redirect_uris", "software_roles", "organisation_competent_authority_claims", "software_logo_uri",
	"org_status", "org_id", "org_name", "org_contacts", "org_jwks_endpoint", "org_jwks_revoked_endpoint",
	"software_jwks_endpoint", "software_jwks_revoked_endpoint", "software_policy_uri", "software_tos_uri",
	"software_on_behalf_of_org",
}

// Claim names of the CDR register's SSAs in seed 001.
var seedCDRClaims = []string{
	"iss", "iat", "exp", "jti", "org_id", "org_name", "client_name", "client_description", "client_uri",
	"redirect_uris", "logo_uri", "tos_uri", "policy_uri", "jwks_uri", "revocation_uri", "recipient_base_uri",
	"software_id", "software_roles", "scope", "sector_identifier_uri",
}

func verifySSA(t testing.TB, f *fixture, token string) (map[string]any, jose.Header) {
	t.Helper()
	set, _ := fetchSet(t, f.srv.URL, DirectoryJWKSPath)
	claims, hdr, err := joseutil.Verify(token, set, ssaAlgs)
	if err != nil {
		t.Fatalf("SSA does not verify against the served key set: %v", err)
	}
	return claims, hdr
}

func TestUKSSA(t *testing.T) {
	f := sharedFixture(t)
	for _, alg := range []string{"", "PS256", "ES256"} {
		ssa, err := f.d.IssueSSA(f.rsaSW.ID, SSAOptions{Alg: alg})
		if err != nil {
			t.Fatal(err)
		}
		claims, hdr := verifySSA(t, f, ssa)
		wantAlg := "PS256"
		if alg == "ES256" {
			wantAlg = "ES256"
		}
		if hdr.Algorithm != wantAlg || hdr.KeyID == "" || hdr.ExtraHeaders["typ"] != "JWT" {
			t.Errorf("alg %q: header %+v", alg, hdr)
		}
		for _, c := range seedUKClaims {
			if _, ok := claims[c]; !ok {
				t.Errorf("alg %q: claim %s missing", alg, c)
			}
		}
		if _, ok := claims["exp"]; ok {
			t.Error("UK SSA has exp")
		}
		if got := slices.Sorted(mapsKeys(claims)); !slices.Equal(got, slices.Sorted(slices.Values(UKSSAClaims()))) {
			t.Errorf("claims %v, want %v", got, UKSSAClaims())
		}
	}
	ssa, _ := f.d.IssueSSA(f.rsaSW.ID, SSAOptions{})
	claims, _ := verifySSA(t, f, ssa)
	base := f.srv.URL
	want := map[string]any{
		"iss":                            UKIssuer,
		"software_environment":           "sandbox",
		"software_mode":                  "Test",
		"software_id":                    f.rsaSW.ID,
		"software_client_id":             f.rsaSW.ID,
		"software_client_name":           "TPP RSA",
		"software_version":               json.Number("1.5"),
		"org_status":                     StatusActive,
		"org_id":                         f.org.ID,
		"org_name":                       "WSO2 (UK) LIMITED",
		"org_jwks_endpoint":              base + "/" + f.org.ID + "/" + f.org.ID + ".jwks",
		"org_jwks_revoked_endpoint":      base + "/" + f.org.ID + "/revoked/" + f.org.ID + ".jwks",
		"software_jwks_endpoint":         base + "/" + f.org.ID + "/" + f.rsaSW.ID + ".jwks",
		"software_jwks_revoked_endpoint": base + "/" + f.org.ID + "/revoked/" + f.rsaSW.ID + ".jwks",
		"software_on_behalf_of_org":      "WSO2 (UK) LIMITED",
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("%s = %#v, want %#v", k, claims[k], v)
		}
	}
	if jti, _ := claims["jti"].(string); len(jti) != 16 {
		t.Errorf("jti %q", jti)
	}
	if !jsonEqual(claims["software_redirect_uris"], []string{"https://tpp.example/cb"}) ||
		!jsonEqual(claims["software_roles"], []string{"AISP", "PISP", "CBPII"}) {
		t.Errorf("redirect URIs %v roles %v", claims["software_redirect_uris"], claims["software_roles"])
	}
	ca, _ := claims["organisation_competent_authority_claims"].(map[string]any)
	if ca["authority_id"] != "OBGBR" || ca["registration_id"] != "Unknown"+f.org.ID || ca["status"] != StatusActive ||
		!jsonEqual(ca["authorisations"], []map[string]any{{"member_state": "GB", "roles": []string{"AISP", "PISP", "CBPII"}}}) {
		t.Errorf("competent authority claims %v", ca)
	}
	contacts, _ := claims["org_contacts"].([]any)
	if len(contacts) != 2 || contacts[0].(map[string]any)["email"] != "tech@tpp.example" {
		t.Errorf("org_contacts %v", claims["org_contacts"])
	}
	// The key set endpoints named in the SSA serve the software's keys.
	creds, _ := f.d.Credentials(f.rsaSW.ID)
	for _, c := range []string{"software_jwks_endpoint", "org_jwks_endpoint"} {
		set, _ := fetchSet(t, "", claims[c].(string))
		if !hasKid(set, creds.SigningKey.KeyID) {
			t.Errorf("%s does not serve the software's signing key", c)
		}
	}
	for _, c := range []string{"software_jwks_revoked_endpoint", "org_jwks_revoked_endpoint"} {
		if r := get(t, "", claims[c].(string)); r.status != 200 {
			t.Errorf("%s: %d", c, r.status)
		}
	}
	// The EC software signs ES256 and has only AISP.
	ec, _ := f.d.Credentials(f.ecSW.ID)
	if ec.SigningKey.Alg != jose.ES256 {
		t.Errorf("EC software signing alg %s", ec.SigningKey.Alg)
	}
}

func mapsKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestCDRSSA(t *testing.T) {
	f := sharedFixture(t)
	r := do(t, f.srv.URL, "GET", CDRSSAPath("banking", f.org.ID, f.rsaSW.ID), testToken, nil)
	if r.status != 200 || r.header.Get("Content-Type") != "application/jwt" {
		t.Fatalf("GET CDR SSA: %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	set, _ := fetchSet(t, f.srv.URL, CDRJWKSPath)
	claims, hdr, err := joseutil.Verify(string(r.body), set, ssaAlgs)
	if err != nil {
		t.Fatalf("CDR SSA does not verify against %s: %v", CDRJWKSPath, err)
	}
	if hdr.Algorithm != "PS256" || hdr.KeyID == "" || hdr.ExtraHeaders["typ"] != "JWT" {
		t.Errorf("header %+v", hdr)
	}
	for _, c := range seedCDRClaims {
		if _, ok := claims[c]; !ok {
			t.Errorf("claim %s missing", c)
		}
	}
	iat, _ := claims["iat"].(json.Number).Int64()
	exp, _ := claims["exp"].(json.Number).Int64()
	if claims["iss"] != CDRIssuer || exp-iat != 600 || claims["software_roles"] != CDRSoftwareRoles ||
		claims["jwks_uri"] != f.srv.URL+SoftwareJWKSPath(f.org.ID, f.rsaSW.ID) || claims["org_id"] != f.org.ID ||
		!strings.Contains(claims["scope"].(string), "cdr:registration") {
		t.Errorf("claims %v", claims)
	}
	if jti, _ := claims["jti"].(string); len(jti) != 32 {
		t.Errorf("jti %q", jti)
	}
	ssa, err := f.d.IssueSSA(f.ecSW.ID, SSAOptions{Profile: ProfileCDR, Alg: "ES256"})
	if err != nil {
		t.Fatal(err)
	}
	if _, hdr, err := joseutil.Verify(ssa, set, ssaAlgs); err != nil || hdr.Algorithm != "ES256" {
		t.Errorf("ES256 CDR SSA: %v %v", err, hdr.Algorithm)
	}
	// The register's status endpoints.
	r = get(t, f.srv.URL, "/cdr-register/v1/banking/data-recipients/brands/software-products/status")
	var products struct {
		SoftwareProducts []struct{ SoftwareProductID, SoftwareProductStatus string }
	}
	mustJSON(t, r.body, &products)
	if len(products.SoftwareProducts) < 2 || products.SoftwareProducts[0].SoftwareProductStatus != "ACTIVE" {
		t.Errorf("software product statuses %s", r.body)
	}
	r = get(t, f.srv.URL, "/cdr-register/v1/banking/data-recipients/status")
	if r.status != 200 || !strings.Contains(string(r.body), `"dataRecipientStatus":"ACTIVE"`) {
		t.Errorf("data recipient statuses %s", r.body)
	}
}

// TestBreaks checks that each break yields an SSA that fails verification or the claim checks, the
// intended way, for both profiles and both algorithms.
func TestBreaks(t *testing.T) {
	f := sharedFixture(t)
	set, _ := fetchSet(t, f.srv.URL, DirectoryJWKSPath)
	now := time.Now()
	for _, profile := range []string{ProfileUK, ProfileCDR} {
		wantIss := UKIssuer
		if profile == ProfileCDR {
			wantIss = CDRIssuer
		}
		for _, alg := range []string{"PS256", "ES256"} {
			for _, brk := range Breaks() {
				name := profile + "/" + alg + "/" + brk
				ssa, err := f.d.IssueSSA(f.rsaSW.ID, SSAOptions{Profile: profile, Alg: alg, Break: brk})
				if profile == ProfileCDR && brk == BreakOrgInactive {
					var ve *ValidationError
					if !errors.As(err, &ve) || ve.Field != "break" {
						t.Errorf("%s: %v, want a validation error on break", name, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				hdr, claims, err := joseutil.Decode(ssa)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				verified, vhdr, verr := joseutil.Verify(ssa, set, ssaAlgs)
				publishedKid := hasKid(set, hdr["kid"].(string))
				switch brk {
				case BreakBadSignature:
					if verr == nil || errors.Is(verr, joseutil.ErrUnknownKey) || !publishedKid || hdr["alg"] != alg {
						t.Errorf("%s: verify %v, kid published %v", name, verr, publishedKid)
					}
				case BreakUnpublishedKey:
					if !errors.Is(verr, joseutil.ErrUnknownKey) || publishedKid || hdr["alg"] != alg {
						t.Errorf("%s: verify %v, kid published %v", name, verr, publishedKid)
					}
				case BreakAlgNone:
					if verr == nil || hdr["alg"] != "none" || !strings.HasSuffix(ssa, ".") || !publishedKid {
						t.Errorf("%s: verify %v, header %v", name, verr, hdr)
					}
				case BreakHS256:
					if verr == nil || hdr["alg"] != "HS256" || !publishedKid {
						t.Errorf("%s: verify %v, header %v", name, verr, hdr)
					}
					// Keyed with the PEM of the published key the kid names.
					jwk := set.Key(hdr["kid"].(string))[0]
					secret, err := publicKeyPEM(jwk.Key)
					if err != nil {
						t.Fatal(err)
					}
					i := strings.LastIndexByte(ssa, '.')
					m := hmac.New(sha256.New, secret)
					m.Write([]byte(ssa[:i]))
					if base64.RawURLEncoding.EncodeToString(m.Sum(nil)) != ssa[i+1:] {
						t.Errorf("%s: not keyed with the published public key", name)
					}
				default:
					if verr != nil || vhdr.Algorithm != alg {
						t.Fatalf("%s: verify %v (alg %s)", name, verr, vhdr.Algorithm)
					}
					claims = verified
				}
				iat := unix(claims["iat"])
				switch brk {
				case BreakExpired:
					exp := unix(claims["exp"])
					if !exp.Before(now) || !iat.Before(exp) {
						t.Errorf("%s: iat %v exp %v", name, iat, exp)
					}
				case BreakFuture:
					nbf := unix(claims["nbf"])
					if iat.Before(now.Add(50*time.Minute)) || !nbf.Equal(iat) {
						t.Errorf("%s: iat %v nbf %v", name, iat, nbf)
					}
				case BreakWrongIssuer:
					if claims["iss"] == wantIss || claims["iss"] == "" {
						t.Errorf("%s: iss %v", name, claims["iss"])
					}
				case BreakOrgInactive:
					if claims["org_status"] != StatusInactive {
						t.Errorf("%s: org_status %v", name, claims["org_status"])
					}
				default:
					if claims["iss"] != wantIss || iat.After(now.Add(time.Minute)) {
						t.Errorf("%s: iss %v iat %v", name, claims["iss"], iat)
					}
					if exp, ok := claims["exp"]; ok && !unix(exp).After(now) {
						t.Errorf("%s: exp %v", name, exp)
					}
				}
			}
		}
	}
	// The stored statuses are untouched by the claim-only breaks.
	if s, _ := f.d.Software(f.rsaSW.ID); s.Status != StatusActive {
		t.Errorf("software status %s", s.Status)
	}
}

func unix(v any) time.Time {
	n, _ := v.(json.Number).Int64()
	return time.Unix(n, 0)
}

func TestSSARemoveAndSet(t *testing.T) {
	f := sharedFixture(t)
	for _, c := range []struct {
		profile string
		claims  []string
	}{{ProfileUK, UKSSAClaims()}, {ProfileCDR, CDRSSAClaims()}} {
		for _, name := range c.claims {
			ssa, err := f.d.IssueSSA(f.rsaSW.ID, SSAOptions{Profile: c.profile, Remove: []string{name}})
			if err != nil {
				t.Fatalf("%s remove %s: %v", c.profile, name, err)
			}
			claims, _ := verifySSA(t, f, ssa)
			if _, ok := claims[name]; ok {
				t.Errorf("%s remove %s: still there", c.profile, name)
			}
			if len(claims) != len(c.claims)-1 {
				t.Errorf("%s remove %s: %d claims left", c.profile, name, len(claims))
			}
		}
	}
	ssa, err := f.d.IssueSSA(f.rsaSW.ID, SSAOptions{Set: map[string]any{
		"software_redirect_uris": []string{"https://evil.example/cb"},
		"software_roles":         "AISP",
		"extra":                  map[string]any{"a": 1},
		"iss":                    "someone",
	}})
	if err != nil {
		t.Fatal(err)
	}
	claims, _ := verifySSA(t, f, ssa)
	if !jsonEqual(claims["software_redirect_uris"], []string{"https://evil.example/cb"}) || claims["software_roles"] != "AISP" ||
		claims["iss"] != "someone" || claims["extra"] == nil {
		t.Errorf("set claims: %v", claims)
	}
	// Set then Remove: Remove wins; Set after a break overrides it.
	ssa, _ = f.d.IssueSSA(f.rsaSW.ID, SSAOptions{Break: BreakExpired, Set: map[string]any{"exp": 1}, Remove: []string{"jti"}})
	_, claims, _ = joseutil.Decode(ssa)
	if _, ok := claims["jti"]; ok || claims["exp"] != json.Number("1") {
		t.Errorf("break+set+remove: %v", claims)
	}
	if _, err := f.d.IssueSSA(f.rsaSW.ID, SSAOptions{Remove: []string{"exp"}}); err == nil {
		t.Error("removing exp from a UK SSA (which has none) succeeded")
	}
}

// TestSSAStatuses: revoked software and inactive organisations still get SSAs. An organisation's carry its
// real org_status; a software's carry no status (the OB Directory's SSA has none): its keys move to its
// revoked key sets instead, and back when it is active again.
func TestSSAStatuses(t *testing.T) {
	f := newFixture(t, Config{})
	if err := f.d.SetSoftwareStatus(f.rsaSW.ID, StatusRevoked); err != nil {
		t.Fatal(err)
	}
	if err := f.d.SetOrganisationStatus(f.org.ID, StatusInactive); err != nil {
		t.Fatal(err)
	}
	ssa, err := f.d.IssueSSA(f.rsaSW.ID, SSAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	claims, _ := verifySSA(t, f, ssa)
	ca := claims["organisation_competent_authority_claims"].(map[string]any)
	if _, present := claims["software_status"]; present || claims["org_status"] != StatusInactive || ca["status"] != StatusInactive {
		t.Errorf("software_status %v, org_status %v, authority status %v", claims["software_status"], claims["org_status"], ca["status"])
	}
	creds, err := f.d.Credentials(f.rsaSW.ID)
	if err != nil {
		t.Fatal(err)
	}
	kid := creds.SigningKey.KeyID
	live, _ := fetchSet(t, f.srv.URL, SoftwareJWKSPath(f.org.ID, f.rsaSW.ID))
	revoked, _ := fetchSet(t, f.srv.URL, SoftwareRevokedJWKSPath(f.org.ID, f.rsaSW.ID))
	orgRevoked, _ := fetchSet(t, f.srv.URL, OrgRevokedJWKSPath(f.org.ID))
	if len(live.Keys) != 0 || len(revoked.Key(kid)) != 1 || len(orgRevoked.Key(kid)) != 1 {
		t.Errorf("revoked software: %d live keys, signing key in its revoked set %d, in the organisation's %d",
			len(live.Keys), len(revoked.Key(kid)), len(orgRevoked.Key(kid)))
	}
	ssa, _ = f.d.IssueSSA(f.ecSW.ID, SSAOptions{})
	claims, _ = verifySSA(t, f, ssa)
	if claims["org_status"] != StatusInactive {
		t.Errorf("other software: org_status %v", claims["org_status"])
	}
	if other, _ := fetchSet(t, f.srv.URL, SoftwareJWKSPath(f.org.ID, f.ecSW.ID)); len(other.Keys) == 0 {
		t.Error("the other software's keys were revoked too")
	}
	r := get(t, f.srv.URL, "/cdr-register/v1/banking/data-recipients/brands/software-products/status")
	if !strings.Contains(string(r.body), `{"softwareProductId":"`+f.rsaSW.ID+`","softwareProductStatus":"REMOVED"}`) {
		t.Errorf("CDR product status %s", r.body)
	}
	r = get(t, f.srv.URL, "/cdr-register/v1/banking/data-recipients/status")
	if !strings.Contains(string(r.body), `"dataRecipientStatus":"SUSPENDED"`) {
		t.Errorf("CDR recipient status %s", r.body)
	}
	if r = do(t, f.srv.URL, "GET", CDRSSAPath("banking", f.org.ID, f.rsaSW.ID), testToken, nil); r.status != http.StatusOK {
		t.Errorf("CDR SSA of revoked software: %d", r.status)
	}
	if err := f.d.SetSoftwareStatus(f.rsaSW.ID, StatusActive); err != nil {
		t.Fatal(err)
	}
	if live, _ = fetchSet(t, f.srv.URL, SoftwareJWKSPath(f.org.ID, f.rsaSW.ID)); len(live.Key(kid)) != 1 {
		t.Error("the software's keys are not live again once it is Active")
	}
}
