package bank

import (
	"net/http"
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/harness/dn"
)

// v34Scenarios are what the UK DCR 3.4 endpoint does differently from 3.3's: application_type web or
// native, and the subject DN in 3.4's form (the CN first); and the UK rule against localhost redirect URIs.
func v34Scenarios() []scenario {
	at34 := func(edit editFunc) func(*testing.T, *fixture, *Server) string {
		return func(t *testing.T, f *fixture, s *Server) string {
			return register34(t, f, s, edit).outcome()
		}
	}
	return []scenario{
		{name: "UK: https redirect URI on localhost", want: badRedir, defects: map[string]string{"allow-localhost-redirect": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				const local = "https://localhost/cb"
				return registerWith(func(ssa, req map[string]any) {
					ssa["software_redirect_uris"] = []string{local}
					req["redirect_uris"] = []string{local}
				})(t, f, s)
			}},
		{name: "UK DCR 3.4: application_type native", want: created, defects: map[string]string{"v34-application-type-mobile": badMeta},
			run: at34(set("application_type", "native"))},
		{name: "UK DCR 3.4: application_type mobile", want: badMeta,
			defects: map[string]string{"v34-application-type-mobile": created, "accept-bad-application-type": created},
			run:     at34(set("application_type", "mobile"))},
		{name: "UK DCR 3.3: application_type native", want: badMeta, defects: map[string]string{"accept-bad-application-type": created},
			run: registerWith(set("application_type", "native"))},
		{name: "UK DCR 3.4: subject DN in X.509 order", want: badMeta, defects: map[string]string{"v34-subject-dn-any-order": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				return registerDN34(t, f, s, func(dn string) string { return reverseRDNs(dn) }).outcome()
			}},
		{name: "UK DCR 3.3: subject DN in X.509 order", want: created,
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				return register(t, s, sw.client, f.requestJWT(t, sw, s.URL, tlsClientAuth(reverseRDNs(sw.leaf.Subject.String())))).outcome()
			}},
		{name: "UK DCR 3.4: subject DN answered", want: "201 CN first", defects: map[string]string{"v34-subject-dn-reversed": "201 CN last"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				r := registerDN34(t, f, s, func(dn string) string { return dn })
				subject, _ := r.body["tls_client_auth_subject_dn"].(string)
				if dn.UK34(subject) {
					return r.outcome() + " CN first"
				}
				return r.outcome() + " CN last"
			}},
	}
}

// register34 registers a new software at the UK DCR 3.4 endpoint, its request edited.
func register34(t *testing.T, f *fixture, s *Server, edit editFunc) result {
	sw := f.newSoftware(t, false)
	return do(t, sw.client, http.MethodPost, s.URL+RegistrationPathVersion("3.4"), "application/jwt", "",
		strings.NewReader(f.requestJWT(t, sw, s.URL, edit)))
}

// registerDN34 registers a new software for tls_client_auth at the 3.4 endpoint, with its certificate's
// subject (CN first) as dn writes it.
func registerDN34(t *testing.T, f *fixture, s *Server, dn func(string) string) result {
	sw := f.newSoftware(t, false)
	body := f.requestJWT(t, sw, s.URL, tlsClientAuth(dn(sw.leaf.Subject.String())))
	return do(t, sw.client, http.MethodPost, s.URL+RegistrationPathVersion("3.4"), "application/jwt", "", strings.NewReader(body))
}

// reverseRDNs writes a DN's RDNs in the opposite order.
func reverseRDNs(dn string) string {
	parts := splitUnescaped(dn, ",")
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, ",")
}
