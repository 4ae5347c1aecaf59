package bank

import (
	"net/http"
	"strings"
	"testing"
)

// scenario is one interaction with a bank, summarised as an outcome string; defects maps a defect to
// the outcome the scenario has on a bank with (only) that defect.
type scenario struct {
	name    string
	want    string
	defects map[string]string
	run     func(t *testing.T, f *fixture, s *Server) string
}

// registerWith registers a fresh software whose request is edited by edit.
func registerWith(edit editFunc) func(*testing.T, *fixture, *Server) string {
	return func(t *testing.T, f *fixture, s *Server) string {
		sw := f.newSoftware(t, false)
		return register(t, s, sw.client, f.requestJWT(t, sw, s.URL, edit)).outcome()
	}
}

// registerRevoked registers a software the directory has revoked as the OB Directory does: its signing
// key is in software_jwks_revoked_endpoint, no longer in software_jwks_endpoint.
func registerRevoked(t *testing.T, f *fixture, s *Server) string {
	sw := f.newSoftware(t, false)
	revoked := "/" + sw.org + "/revoked/" + sw.id + ".jwks"
	f.publish(revoked, sw.key)
	f.publish("/"+sw.org+"/"+sw.id+".jwks", newECKey(t))
	return register(t, s, sw.client, f.requestJWT(t, sw, s.URL, setSSA("software_jwks_revoked_endpoint", f.keys.URL+revoked))).outcome()
}

// registerBody registers a fresh software with a body of its own making.
func registerBody(contentType string, body func(t *testing.T, f *fixture, s *Server, sw *software) string) func(*testing.T, *fixture, *Server) string {
	return func(t *testing.T, f *fixture, s *Server) string {
		sw := f.newSoftware(t, false)
		return do(t, sw.client, http.MethodPost, s.URL+registerPath, contentType, "", strings.NewReader(body(t, f, s, sw))).outcome()
	}
}

// signedRequest signs a fresh software's (edited) request with sign.
func signedRequest(rsaKey bool, sign func(t *testing.T, claims map[string]any, sw *software) (string, error)) func(*testing.T, *fixture, *Server) string {
	return func(t *testing.T, f *fixture, s *Server) string {
		sw := f.newSoftware(t, rsaKey)
		token, err := sign(t, f.requestPayload(t, sw, s.URL, nil), sw)
		if err != nil {
			t.Fatal(err)
		}
		return register(t, s, sw.client, token).outcome()
	}
}

// ssaSigned replaces the SSA by sign's token over the SSA claims.
func ssaSigned(t *testing.T, sign func(ssa map[string]any) (string, error)) editFunc {
	return func(ssa, req map[string]any) {
		token, err := sign(ssa)
		if err != nil {
			t.Fatal(err)
		}
		req["software_statement"] = token
	}
}

func set(name string, v any) editFunc { return func(_, req map[string]any) { req[name] = v } }
func unset(name string) editFunc      { return func(_, req map[string]any) { delete(req, name) } }
func setSSA(name string, v any) editFunc {
	return func(ssa, _ map[string]any) { ssa[name] = v }
}

const (
	created  = "201"
	badMeta  = "400 invalid_client_metadata"
	badSSAc  = "400 invalid_software_statement"
	unapprov = "400 unapproved_software_statement"
	badRedir = "400 invalid_redirect_uri"
	noClient = "401 invalid_client"
	noToken  = "401 invalid_token"
)

func tlsClientAuth(dn string) editFunc {
	return func(_, req map[string]any) {
		req["token_endpoint_auth_method"] = "tls_client_auth"
		delete(req, "token_endpoint_auth_signing_alg")
		if dn != "" {
			req["tls_client_auth_subject_dn"] = dn
		}
	}
}

func mustRegisterBody(t *testing.T, s *Server, sw *software, body string) string {
	t.Helper()
	r := register(t, s, sw.client, body)
	id, _ := r.body["client_id"].(string)
	if r.status != http.StatusCreated || id == "" {
		t.Fatalf("registration: %s %s", r.outcome(), r.raw)
	}
	return id
}

// managed registers a client and gets a token, then runs fn.
func managed(fn func(t *testing.T, f *fixture, s *Server, sw *software, id, token string) string) func(*testing.T, *fixture, *Server) string {
	return func(t *testing.T, f *fixture, s *Server) string {
		sw := f.newSoftware(t, false)
		id := f.mustRegister(t, s, sw, nil)
		return fn(t, f, s, sw, id, mustToken(t, s, sw, id))
	}
}

func deleted(t *testing.T, s *Server, sw *software, id, token string) {
	t.Helper()
	if r := manage(t, s, sw.client, http.MethodDelete, id, token, ""); r.status/100 != 2 {
		t.Fatalf("delete: %s", r.outcome())
	}
}

func allScenarios() []scenario {
	return append(append(append(append(append(append(append(append(append(append(registrationScenarios(), tokenScenarios()...), managementScenarios()...), profileScenarios()...), victimScenarios()...), clientCertScenarios()...), organisationScenarios()...), raceScenarios()...), v34Scenarios()...), tokenRuleScenarios()...), schemaScenarios()...)
}

// TestScenarios runs every scenario against the correct bank and against each defect said to change
// its outcome.
func TestScenarios(t *testing.T) {
	f := newFixture(t)
	for _, sc := range allScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			if got := sc.run(t, f, f.startBank(t)); got != sc.want {
				t.Errorf("correct bank: got %q, want %q", got, sc.want)
			}
			for defect, want := range sc.defects {
				if got := sc.run(t, f, f.startBank(t, defect)); got != want {
					t.Errorf("with %s: got %q, want %q", defect, got, want)
				}
			}
		})
	}
}

// TestEveryDefectIsExercised checks that each catalogued defect changes the outcome of some scenario.
func TestEveryDefectIsExercised(t *testing.T) {
	exercised := map[string]bool{}
	for _, sc := range allScenarios() {
		for d := range sc.defects {
			if _, ok := defectCatalogue[d]; !ok {
				t.Errorf("scenario %q names unknown defect %q", sc.name, d)
			}
			exercised[d] = true
		}
	}
	for _, d := range Defects() {
		if !exercised[d.Name] {
			t.Errorf("defect %s is exercised by no scenario", d.Name)
		}
	}
}
