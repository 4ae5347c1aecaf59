package bank

import (
	"net/http"
	"testing"
)

// victimScenarios are what a management request leaves behind: the owner's registration after a
// refused request, the client's tokens after an update and after a deletion.
func victimScenarios() []scenario {
	return []scenario{
		{name: "DELETE without a token leaves the client", want: "401 then 200",
			defects: map[string]string{"manage-acts-before-auth": "401 then 401"},
			run: managed(func(t *testing.T, _ *fixture, s *Server, sw *software, id, tok string) string {
				refused := manage(t, s, sw.client, http.MethodDelete, id, "", "")
				return refused.outcome()[:3] + " then " + manage(t, s, sw.client, http.MethodGet, id, tok, "").outcome()[:3]
			})},
		{name: "PUT keeps the client's tokens", want: "200",
			defects: map[string]string{"put-revokes-tokens": noToken},
			run: managed(func(t *testing.T, f *fixture, s *Server, sw *software, id, tok string) string {
				if r := manage(t, s, sw.client, http.MethodPut, id, tok, f.requestJWT(t, sw, s.URL, nil)); r.status != http.StatusOK {
					t.Fatalf("PUT: %s %s", r.outcome(), r.raw)
				}
				return manage(t, s, sw.client, http.MethodGet, id, tok, "").outcome()
			})},
		{name: "a deleted client's token stays refused after the software registers again", want: noToken,
			defects: map[string]string{"tokens-revive-on-reregister": "200"},
			run: managed(func(t *testing.T, f *fixture, s *Server, sw *software, id, tok string) string {
				deleted(t, s, sw, id, tok)
				again := f.mustRegister(t, s, sw, nil)
				return manage(t, s, sw.client, http.MethodGet, again, tok, "").outcome()
			})},
	}
}
