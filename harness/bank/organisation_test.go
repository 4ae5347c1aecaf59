package bank

import (
	"net/http"
	"testing"
)

// organisationScenarios are confusions between two software of one organisation.
func organisationScenarios() []scenario {
	return []scenario{
		{name: "GET with a sibling software's token", want: noToken,
			defects: map[string]string{"accept-sibling-token": "200", "accept-other-client-token": "200"},
			run: managed(func(t *testing.T, f *fixture, s *Server, sw *software, id, _ string) string {
				sibling := f.newSoftware(t, false)
				sibling.org = sw.org
				siblingID := f.mustRegister(t, s, sibling, nil)
				return manage(t, s, sibling.client, http.MethodGet, id, mustToken(t, s, sibling, siblingID), "").outcome()
			})},
		{name: "request signed with a key of the organisation's key set, not the software's", want: badMeta,
			defects: map[string]string{"accept-org-key": created, "skip-request-signature": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw, sibling := f.newSoftware(t, false), f.newSoftware(t, false)
				orgSet := "/" + sw.org + "/" + sw.org + ".jwks"
				f.publish(orgSet, sw.key, sibling.key)
				payload := f.requestPayload(t, sw, s.URL, setSSA("org_jwks_endpoint", f.keys.URL+orgSet))
				return register(t, s, sw.client, mustSign(t, payload, sibling.key)).outcome()
			}},
	}
}
