package bank

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/fixtures/requirements"
)

// schemaScenarios check each generated schema defect against its rule: the correct bank's answers at a
// version the rule applies to meet it, and with the defect on exactly the answers it governs break it
// (client_id stays in the registration answer: see breakAnswer).
func schemaScenarios() []scenario {
	var out []scenario
	for name, q := range schemaDefects {
		version := "3.3"
		if !q.AppliesTo(version) {
			version = q.Versions[len(q.Versions)-1]
		}
		var want []string
		for _, a := range schemaAnswers {
			if q.Schema.Governs(a) && !(a == requirements.AnswerRegistration && slices.Contains(q.Schema.Required, "client_id")) {
				want = append(want, a)
			}
		}
		out = append(out, scenario{name: "UK DCR " + version + ": answers meet " + q.ID, want: "breaks none",
			defects: map[string]string{name: "breaks " + strings.Join(want, " ")},
			run: func(t *testing.T, f *fixture, s *Server) string {
				return "breaks " + strings.Join(schemaBreaches(t, f, s, version, q.Schema), " ")
			}})
	}
	return out
}

var schemaAnswers = []string{requirements.AnswerRegistration, requirements.AnswerRead, requirements.AnswerUpdate,
	requirements.AnswerError, requirements.AnswerUnauthorized}

// schemaBreaches registers, reads and updates a client at the version's endpoint, has a registration
// refused (400) and a read refused (401), and lists the answers that break rule.
func schemaBreaches(t *testing.T, f *fixture, s *Server, version string, rule *requirements.Schema) []string {
	path := s.URL + RegistrationPathVersion(version)
	sw := f.newSoftware(t, false)
	answers := map[string]result{}
	reg := do(t, sw.client, http.MethodPost, path, "application/jwt", "", strings.NewReader(f.requestJWT(t, sw, s.URL, nil)))
	id, _ := reg.body["client_id"].(string)
	if reg.status != http.StatusCreated || id == "" {
		t.Fatalf("registration: %s %s", reg.outcome(), reg.raw)
	}
	answers[requirements.AnswerRegistration] = reg
	tok := mustToken(t, s, sw, id)
	answers[requirements.AnswerRead] = do(t, sw.client, http.MethodGet, path+"/"+id, "", tok, nil)
	answers[requirements.AnswerUpdate] = do(t, sw.client, http.MethodPut, path+"/"+id, "application/jwt", tok, strings.NewReader(f.requestJWT(t, sw, s.URL, nil)))
	other := f.newSoftware(t, false)
	answers[requirements.AnswerError] = do(t, other.client, http.MethodPost, path, "application/jwt", "",
		strings.NewReader(f.requestJWT(t, other, s.URL, set("redirect_uris", []string{"https://attacker.example/cb"}))))
	answers[requirements.AnswerUnauthorized] = do(t, sw.client, http.MethodGet, path+"/"+id, "", "not-a-token", nil)
	var out []string
	for _, a := range schemaAnswers {
		r := answers[a]
		obj := r.body
		if rule.Header != "" {
			obj = map[string]any{}
			if v := r.header.Get(rule.Header); v != "" {
				obj[rule.Header] = v
			}
		}
		if rule.Governs(a) && len(rule.Check(obj)) > 0 {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}
