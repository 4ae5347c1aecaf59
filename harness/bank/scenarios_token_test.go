package bank

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

// tokenWith registers a private_key_jwt client and asks for a token with an edited assertion and form.
func tokenWith(rsaKey bool, edit func(t *testing.T, s *Server, sw *software, a map[string]any) string,
	editForm func(form map[string][]string)) func(*testing.T, *fixture, *Server) string {
	return func(t *testing.T, f *fixture, s *Server) string {
		sw := f.newSoftware(t, rsaKey)
		id := f.mustRegister(t, s, sw, nil)
		a := assertion(s, id)
		signed := ""
		if edit != nil {
			signed = edit(t, s, sw, a)
		}
		if signed == "" {
			signed = mustSign(t, a, sw.key)
		}
		form := tokenForm(id, signed)
		if editForm != nil {
			editForm(form)
		}
		return requestToken(t, s, sw.client, form).outcome()
	}
}

func setAssertion(name string, v any) func(*testing.T, *Server, *software, map[string]any) string {
	return func(_ *testing.T, _ *Server, _ *software, a map[string]any) string { a[name] = v; return "" }
}

// tokenScenarios: the token endpoint, each against the correct bank and the defects that change it.
func tokenScenarios() []scenario {
	return []scenario{
		{name: "token for a valid assertion", want: "200", run: tokenWith(false, nil, nil)},
		{name: "token without a certificate", want: noClient, run: func(t *testing.T, f *fixture, s *Server) string {
			sw := f.newSoftware(t, false)
			id := f.mustRegister(t, s, sw, nil)
			return requestToken(t, s, f.httpClient(t, nil), tokenForm(id, mustSign(t, assertion(s, id), sw.key))).outcome()
		}},
		{name: "token grant password", want: "400 unsupported_grant_type", run: tokenWith(false, nil, func(form map[string][]string) {
			form["grant_type"] = []string{"password"}
		})},
		{name: "token unknown client", want: noClient, run: tokenWith(false, func(t *testing.T, s *Server, sw *software, a map[string]any) string {
			a["iss"], a["sub"] = "nobody", "nobody"
			return ""
		}, func(form map[string][]string) { form["client_id"] = []string{"nobody"} })},
		{name: "token scope not registered", want: "400 invalid_scope", run: tokenWith(false, nil, func(form map[string][]string) {
			form["scope"] = []string{"fundsconfirmations"}
		})},
		{name: "assertion expired", want: noClient, defects: map[string]string{"token-accept-expired-assertion": "200"},
			run: tokenWith(false, setAssertion("exp", time.Now().Add(-time.Minute).Unix()), nil)},
		{name: "assertion for another audience", want: noClient, defects: map[string]string{"token-ignore-aud": "200"},
			run: tokenWith(false, setAssertion("aud", "https://another-bank.example/token"), nil)},
		{name: "assertion for another URL of the bank", want: noClient, defects: map[string]string{"token-aud-any-url-on-host": "200"},
			run: tokenWith(false, func(_ *testing.T, s *Server, _ *software, a map[string]any) string {
				a["aud"] = s.URL + registerPath
				return ""
			}, nil)},
		{name: "assertion iss not the client", want: noClient, defects: map[string]string{"token-ignore-iss-mismatch": "200"},
			run: tokenWith(false, setAssertion("iss", "someone-else"), nil)},
		{name: "assertion not a JWT", want: noClient, defects: map[string]string{"token-500-on-malformed-assertion": "500 server_error"},
			run: tokenWith(false, func(*testing.T, *Server, *software, map[string]any) string { return "not-a-jwt" }, nil)},
		{name: "registration response cache headers", want: "201 no-store no-cache", defects: map[string]string{"registration-response-cacheable": "201  "},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				r := register(t, s, sw.client, f.requestJWT(t, sw, s.URL, nil))
				return fmt.Sprintf("%d %s %s", r.status, r.header.Get("Cache-Control"), r.header.Get("Pragma"))
			}},
		{name: "token response cache headers", want: "200 no-store no-cache", defects: map[string]string{"token-response-cacheable": "200  "},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				id := f.mustRegister(t, s, sw, nil)
				r := requestToken(t, s, sw.client, tokenForm(id, mustSign(t, assertion(s, id), sw.key)))
				return fmt.Sprintf("%d %s %s", r.status, r.header.Get("Cache-Control"), r.header.Get("Pragma"))
			}},
		{name: "client_id naming another client than the assertion", want: noClient, defects: map[string]string{"token-client-from-assertion": "200", "token-client-mismatch-invalid-request": "400 invalid_request"},
			run: tokenWith(false, nil, func(form map[string][]string) { form["client_id"] = []string{"nobody"} })},
		{name: "assertion sub not the client", want: noClient, defects: map[string]string{"token-ignore-sub-mismatch": "200"},
			run: tokenWith(false, setAssertion("sub", "someone-else"), nil)},
		{name: "assertion signed by another key", want: noClient, defects: map[string]string{"token-accept-wrong-key": "200"},
			run: tokenWith(false, func(t *testing.T, _ *Server, _ *software, a map[string]any) string {
				return mustSign(t, a, newECKey(t))
			}, nil)},
		{name: "assertion RS256 for a PS256 client", want: noClient, defects: map[string]string{"token-accept-any-alg": "200"},
			run: tokenWith(true, func(t *testing.T, _ *Server, sw *software, a map[string]any) string {
				token, err := joseutil.SignAs(a, sw.key, jose.RS256, "JWT")
				if err != nil {
					t.Fatal(err)
				}
				return token
			}, nil)},
		{name: "assertion type missing", want: "400 invalid_request", defects: map[string]string{"token-accept-missing-assertion-type": "200"},
			run: tokenWith(false, nil, func(form map[string][]string) { delete(form, "client_assertion_type") })},
		{name: "assertion replayed", want: noClient, defects: map[string]string{"token-allow-assertion-replay": "200"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				id := f.mustRegister(t, s, sw, nil)
				form := tokenForm(id, mustSign(t, assertion(s, id), sw.key))
				if r := requestToken(t, s, sw.client, form); r.status != http.StatusOK {
					t.Fatalf("first token: %s", r.outcome())
				}
				return requestToken(t, s, sw.client, form).outcome()
			}},
		{name: "tls_client_auth token", want: "200", run: func(t *testing.T, f *fixture, s *Server) string {
			sw := f.newSoftware(t, false)
			id := f.mustRegister(t, s, sw, tlsClientAuth(sw.leaf.Subject.String()))
			return requestToken(t, s, sw.client, map[string][]string{"grant_type": {"client_credentials"}, "client_id": {id}}).outcome()
		}},
		{name: "tls_client_auth token over another software's certificate", want: noClient,
			defects: map[string]string{"token-accept-other-cert-tls-auth": "200"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw, other := f.newSoftware(t, false), f.newSoftware(t, false)
				id := f.mustRegister(t, s, sw, tlsClientAuth(sw.leaf.Subject.String()))
				return requestToken(t, s, other.client, map[string][]string{"grant_type": {"client_credentials"}, "client_id": {id}}).outcome()
			}},
		{name: "tls_client_auth token without a certificate", want: noClient,
			defects: map[string]string{"token-cert-optional": "200"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				id := f.mustRegister(t, s, sw, tlsClientAuth(sw.leaf.Subject.String()))
				return requestToken(t, s, f.httpClient(t, nil), map[string][]string{"grant_type": {"client_credentials"}, "client_id": {id}}).outcome()
			}},
	}
}
