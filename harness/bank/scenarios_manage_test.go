package bank

import (
	"fmt"
	"net/http"
	"testing"
)

// managementScenarios: GET, PUT and DELETE of a registration, each against the correct bank and the defects that change it.
func managementScenarios() []scenario {
	return []scenario{
		{name: "GET own registration", want: "200", run: managed(func(t *testing.T, _ *fixture, s *Server, sw *software, id, tok string) string {
			return manage(t, s, sw.client, http.MethodGet, id, tok, "").outcome()
		})},
		{name: "GET own registration: its software_id", want: "200 software_id", defects: map[string]string{"read-omits-software-id": "200 "},
			run: managed(func(t *testing.T, _ *fixture, s *Server, sw *software, id, tok string) string {
				r := manage(t, s, sw.client, http.MethodGet, id, tok, "")
				if _, ok := r.body["software_id"].(string); ok {
					return r.outcome() + " software_id"
				}
				return r.outcome() + " "
			})},
		{name: "GET without a certificate", want: noClient, run: managed(func(t *testing.T, f *fixture, s *Server, _ *software, id, tok string) string {
			return manage(t, s, f.httpClient(t, nil), http.MethodGet, id, tok, "").outcome()
		})},
		{name: "GET without a token", want: noToken + ` Bearer realm="dcrconform"`,
			defects: map[string]string{"accept-no-token": "200 ", "no-www-authenticate": noToken + " ", "bearer-challenge-bare": noToken + " Bearer",
				"bearer-error-without-credentials": noToken + ` Bearer error="invalid_token"`},
			run: managed(func(t *testing.T, _ *fixture, s *Server, sw *software, id, _ string) string {
				r := manage(t, s, sw.client, http.MethodGet, id, "", "")
				return r.outcome() + " " + r.header.Get("WWW-Authenticate")
			})},
		{name: "GET with an expired token", want: noToken, defects: map[string]string{"accept-expired-token": "200"},
			run: managed(func(t *testing.T, _ *fixture, s *Server, sw *software, id, tok string) string {
				s.Bank.ExpireTokens(id)
				return manage(t, s, sw.client, http.MethodGet, id, tok, "").outcome()
			})},
		{name: "GET with an unknown token", want: noToken, defects: map[string]string{"accept-unknown-token": "200"}, run: managed(func(t *testing.T, _ *fixture, s *Server, sw *software, id, _ string) string {
			return manage(t, s, sw.client, http.MethodGet, id, "not-a-token", "").outcome()
		})},
		{name: "GET with the token over another certificate", want: noToken, defects: map[string]string{"token-unbound": "200"},
			run: managed(func(t *testing.T, f *fixture, s *Server, _ *software, id, tok string) string {
				return manage(t, s, f.newSoftware(t, false).client, http.MethodGet, id, tok, "").outcome()
			})},
		{name: "GET without a client certificate", want: noClient, defects: map[string]string{"manage-without-mtls": "200"},
			run: managed(func(t *testing.T, f *fixture, s *Server, _ *software, id, tok string) string {
				return manage(t, s, f.httpClient(t, nil), http.MethodGet, id, tok, "").outcome()
			})},
		{name: "GET another client's registration", want: noToken, defects: map[string]string{"accept-other-client-token": "200"},
			run: managed(func(t *testing.T, f *fixture, s *Server, sw *software, _, tok string) string {
				other := f.newSoftware(t, false)
				otherID := f.mustRegister(t, s, other, nil)
				return manage(t, s, sw.client, http.MethodGet, otherID, tok, "").outcome()
			})},
		{name: "token revoked after use on an unknown client", want: noToken, defects: map[string]string{"no-revoke-on-unknown-client": "200"},
			run: managed(func(t *testing.T, _ *fixture, s *Server, sw *software, id, tok string) string {
				if r := manage(t, s, sw.client, http.MethodGet, "unknown-client", tok, ""); r.outcome() != noToken {
					t.Fatalf("GET unknown client: %s", r.outcome())
				}
				return manage(t, s, sw.client, http.MethodGet, id, tok, "").outcome()
			})},
		{name: "PUT then GET shows the change", want: "200 openid accounts", defects: map[string]string{"put-ignores-changes": "200 openid accounts payments"},
			run: managed(func(t *testing.T, f *fixture, s *Server, sw *software, id, tok string) string {
				body := f.requestJWT(t, sw, s.URL, set("scope", "openid accounts"))
				if r := manage(t, s, sw.client, http.MethodPut, id, tok, body); r.status != http.StatusOK {
					t.Fatalf("PUT: %s %s", r.outcome(), r.raw)
				}
				r := manage(t, s, sw.client, http.MethodGet, id, tok, "")
				return fmt.Sprintf("%d %v", r.status, r.body["scope"])
			})},
		{name: "PUT redirect outside the SSA", want: badRedir, defects: map[string]string{"put-skip-validation-redirect": "200"},
			run: managed(func(t *testing.T, f *fixture, s *Server, sw *software, id, tok string) string {
				body := f.requestJWT(t, sw, s.URL, set("redirect_uris", []string{"https://evil.example/cb"}))
				return manage(t, s, sw.client, http.MethodPut, id, tok, body).outcome()
			})},
		{name: "PUT unsupported auth method", want: badMeta,
			defects: map[string]string{"put-accept-unsupported-auth-method": "200", "accept-unsupported-auth-method": "200"},
			run: managed(func(t *testing.T, f *fixture, s *Server, sw *software, id, tok string) string {
				body := f.requestJWT(t, sw, s.URL, set("token_endpoint_auth_method", "client_secret_basic"))
				return manage(t, s, sw.client, http.MethodPut, id, tok, body).outcome()
			})},
		{name: "PUT token_endpoint_auth_signing_alg RS256", want: badMeta,
			defects: map[string]string{"put-accept-unsupported-signing-alg": "200", "accept-unsupported-signing-alg": "200"},
			run: managed(func(t *testing.T, f *fixture, s *Server, sw *software, id, tok string) string {
				body := f.requestJWT(t, sw, s.URL, set("token_endpoint_auth_signing_alg", "RS256"))
				return manage(t, s, sw.client, http.MethodPut, id, tok, body).outcome()
			})},
		{name: "PUT without software_statement", want: badSSAc, defects: map[string]string{"put-reuse-stored-ssa": "200"},
			run: managed(func(t *testing.T, f *fixture, s *Server, sw *software, id, tok string) string {
				body := f.requestJWT(t, sw, s.URL, unset("software_statement"))
				return manage(t, s, sw.client, http.MethodPut, id, tok, body).outcome()
			})},
		{name: "PUT to another software", want: badMeta, defects: map[string]string{"put-allow-software-id-change": "200"},
			run: managed(func(t *testing.T, f *fixture, s *Server, sw *software, id, tok string) string {
				other := f.newSoftware(t, false)
				return manage(t, s, sw.client, http.MethodPut, id, tok, f.requestJWT(t, other, s.URL, nil)).outcome()
			})},
		{name: "PUT signed by another key", want: badMeta, defects: map[string]string{"put-skip-signature": "200", "skip-request-signature": "200"},
			run: managed(func(t *testing.T, f *fixture, s *Server, sw *software, id, tok string) string {
				body := mustSign(t, f.requestPayload(t, sw, s.URL, nil), newECKey(t))
				return manage(t, s, sw.client, http.MethodPut, id, tok, body).outcome()
			})},
		{name: "PUT replayed", want: badMeta, defects: map[string]string{"allow-jti-replay": "200"},
			run: managed(func(t *testing.T, f *fixture, s *Server, sw *software, id, tok string) string {
				body := f.requestJWT(t, sw, s.URL, nil)
				if r := manage(t, s, sw.client, http.MethodPut, id, tok, body); r.status != http.StatusOK {
					t.Fatalf("PUT: %s %s", r.outcome(), r.raw)
				}
				return manage(t, s, sw.client, http.MethodPut, id, tok, body).outcome()
			})},
		{name: "DELETE", want: "204", defects: map[string]string{"delete-returns-200": "200"},
			run: managed(func(t *testing.T, _ *fixture, s *Server, sw *software, id, tok string) string {
				return manage(t, s, sw.client, http.MethodDelete, id, tok, "").outcome()
			})},
		{name: "DELETE twice", want: noToken, defects: map[string]string{"repeat-delete-204": "204"}, run: managed(func(t *testing.T, _ *fixture, s *Server, sw *software, id, tok string) string {
			deleted(t, s, sw, id, tok)
			return manage(t, s, sw.client, http.MethodDelete, id, tok, "").outcome()
		})},
		{name: "GET after DELETE", want: noToken, defects: map[string]string{"delete-keeps-tokens": "200", "get-after-delete-200": "200"},
			run: managed(func(t *testing.T, _ *fixture, s *Server, sw *software, id, tok string) string {
				deleted(t, s, sw, id, tok)
				return manage(t, s, sw.client, http.MethodGet, id, tok, "").outcome()
			})},
		{name: "token after DELETE", want: noClient, defects: map[string]string{"token-for-deleted-client": "200"},
			run: managed(func(t *testing.T, _ *fixture, s *Server, sw *software, id, tok string) string {
				deleted(t, s, sw, id, tok)
				return requestToken(t, s, sw.client, tokenForm(id, mustSign(t, assertion(s, id), sw.key))).outcome()
			})},
		{name: "unknown path", want: "404 not_found", run: func(t *testing.T, f *fixture, s *Server) string {
			return do(t, f.httpClient(t, nil), http.MethodGet, s.URL+"/nowhere", "", "", nil).outcome()
		}},
		{name: "wrong method", want: "405 invalid_request", run: func(t *testing.T, f *fixture, s *Server) string {
			return do(t, f.httpClient(t, nil), http.MethodGet, s.URL+registerPath, "", "", nil).outcome()
		}},
	}
}
