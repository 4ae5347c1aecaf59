package bank

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

// registrationScenarios: POST /register, each against the correct bank and the defects that change it.
func registrationScenarios() []scenario {
	past := time.Now().Add(-time.Hour).Unix()
	future := time.Now().Add(time.Hour).Unix()
	return []scenario{
		{name: "valid registration", want: created, run: registerWith(nil)},
		{name: "aud as an array naming the bank", want: created, run: func(t *testing.T, f *fixture, s *Server) string {
			return registerWith(func(_, req map[string]any) { req["aud"] = []string{"https://other.example", s.URL} })(t, f, s)
		}},
		{name: "TLS 1.1 handshake", want: "refused", defects: map[string]string{"allow-tls11": "TLS 1.1"},
			run: func(t *testing.T, _ *fixture, s *Server) string {
				// Only the protocol version matters here, not who the server is.
				conn, err := tls.Dial("tcp", strings.TrimPrefix(s.URL, "https://"),
					&tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}) //nolint:gosec
				if err != nil {
					return "refused"
				}
				defer conn.Close()
				return tls.VersionName(conn.ConnectionState().Version)
			}},
		{name: "TLS 1.2 handshake", want: "TLS 1.2", defects: map[string]string{"tls13-only": "refused"},
			run: func(t *testing.T, _ *fixture, s *Server) string {
				conn, err := tls.Dial("tcp", strings.TrimPrefix(s.URL, "https://"),
					&tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12}) //nolint:gosec
				if err != nil {
					return "refused"
				}
				defer conn.Close()
				return tls.VersionName(conn.ConnectionState().Version)
			}},
		{name: "TLS 1.2 handshake with CBC suites only", want: "refused", defects: map[string]string{"tls-legacy-ciphers": "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "allow-tls11": "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
			run: func(t *testing.T, _ *fixture, s *Server) string {
				conn, err := tls.Dial("tcp", strings.TrimPrefix(s.URL, "https://"), &tls.Config{InsecureSkipVerify: true, //nolint:gosec
					MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
					CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}})
				if err != nil {
					return "refused"
				}
				defer conn.Close()
				return tls.CipherSuiteName(conn.ConnectionState().CipherSuite)
			}},
		{name: "discovery document", want: "application/json; private_key_jwt signed with [PS256 ES256]",
			defects: map[string]string{
				"discovery-text-plain":                "text/plain; charset=utf-8; private_key_jwt signed with [PS256 ES256]",
				"discovery-empty-array":               "application/json; private_key_jwt signed with [PS256 ES256]; empty acr_values_supported",
				"discovery-no-signing-algs":           "application/json; private_key_jwt signed with <nil>",
				"discovery-signing-alg-none":          "application/json; private_key_jwt signed with [PS256 ES256 none]",
				"discovery-no-subject-types":          "application/json; private_key_jwt signed with [PS256 ES256]; no subject_types_supported",
				"discovery-no-scopes":                 "application/json; private_key_jwt signed with [PS256 ES256]; no scopes_supported",
				"discovery-no-authorization-endpoint": "application/json; private_key_jwt signed with [PS256 ES256]; no authorization_endpoint",
				"discovery-http-jwks-uri":             "application/json; private_key_jwt signed with [PS256 ES256]; jwks_uri http",
			},
			run: func(t *testing.T, f *fixture, s *Server) string {
				r := do(t, f.httpClient(t, nil), http.MethodGet, s.URL+discoveryPath, "", "", nil)
				var doc map[string]any
				if err := json.Unmarshal(r.raw, &doc); err != nil {
					return fmt.Sprintf("%d %s", r.status, r.raw)
				}
				out := fmt.Sprintf("%s; private_key_jwt signed with %v", r.header.Get("Content-Type"), doc["token_endpoint_auth_signing_alg_values_supported"])
				for k, v := range doc {
					if list, ok := v.([]any); ok && len(list) == 0 {
						out += "; empty " + k
					}
				}
				for _, k := range []string{"authorization_endpoint", "scopes_supported", "subject_types_supported"} {
					if _, ok := doc[k]; !ok {
						out += "; no " + k
					}
				}
				if u, _ := doc["jwks_uri"].(string); strings.HasPrefix(u, "http://") {
					out += "; jwks_uri http"
				}
				return out
			}},
		{name: "RFC 8414 metadata location", want: "200 issuer is the bank's", defects: map[string]string{"oauth-metadata-stale-issuer": "200 issuer has /as"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				r := do(t, f.httpClient(t, nil), http.MethodGet, s.URL+oauthMetadataPath, "", "", nil)
				var doc map[string]any
				if err := json.Unmarshal(r.raw, &doc); err != nil {
					return fmt.Sprintf("%d %s", r.status, r.raw)
				}
				if doc["issuer"] == s.URL+"/as" {
					return fmt.Sprintf("%d issuer has /as", r.status)
				}
				return fmt.Sprintf("%d issuer is the bank's", r.status)
			}},
		{name: "cross-origin preflight at the token endpoint", want: "204 *", defects: map[string]string{"no-cors": "405 "},
			run: func(t *testing.T, f *fixture, s *Server) string {
				req, err := http.NewRequest(http.MethodOptions, s.URL+tokenPath, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Origin", "https://browser-client.example")
				req.Header.Set("Access-Control-Request-Method", http.MethodPost)
				resp, err := f.httpClient(t, nil).Do(req)
				if err != nil {
					return err.Error()
				}
				defer resp.Body.Close()
				return fmt.Sprintf("%d %s", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
			}},
		{name: "key set at jwks_uri", want: "sig ES256 public",
			defects: map[string]string{"jwks-private-key": "sig ES256 private", "jwks-mixed-without-use": " ES256 public,  RSA-OAEP-256 public",
				"jwks-same-key-sig-enc": "sig ES256 public, enc ECDH-ES public", "jwks-x5c-stale": "x5c not of its key"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				r := do(t, f.httpClient(t, nil), http.MethodGet, s.URL+jwksPath, "", "", nil)
				var set jose.JSONWebKeySet
				if err := json.Unmarshal(r.raw, &set); err != nil {
					if strings.Contains(err.Error(), "x5c") { // go-jose refuses an x5c of another key
						return "x5c not of its key"
					}
					return fmt.Sprintf("%d %s", r.status, r.raw)
				}
				var out []string
				for _, k := range set.Keys {
					kind := "public"
					if !k.IsPublic() {
						kind = "private"
					}
					out = append(out, k.Use+" "+k.Algorithm+" "+kind)
				}
				return strings.Join(out, ", ")
			}},
		{name: "no client certificate", want: noClient, defects: map[string]string{"no-mtls-register": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				return register(t, s, f.httpClient(t, nil), f.requestJWT(t, sw, s.URL, nil)).outcome()
			}},
		{name: "certificate of another software", want: badMeta, defects: map[string]string{"accept-other-software-cert": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw, other := f.newSoftware(t, false), f.newSoftware(t, false)
				return register(t, s, other.client, f.requestJWT(t, sw, s.URL, nil)).outcome()
			}},
		{name: "text/plain content type", want: "415 invalid_client_metadata", defects: map[string]string{"ignore-content-type": created},
			run: registerBody("text/plain", func(t *testing.T, f *fixture, s *Server, sw *software) string {
				return f.requestJWT(t, sw, s.URL, nil)
			})},
		{name: "application/jose; charset", want: created,
			run: registerBody("application/jose; charset=UTF-8", func(t *testing.T, f *fixture, s *Server, sw *software) string {
				return f.requestJWT(t, sw, s.URL, nil)
			})},
		{name: "unsigned JSON body", want: "415 invalid_client_metadata", defects: map[string]string{"accept-json-body": created},
			run: registerBody("application/json", func(t *testing.T, f *fixture, s *Server, sw *software) string {
				return mustJSON(t, f.requestPayload(t, sw, s.URL, nil))
			})},
		{name: "body over 64 KiB", want: "413 invalid_client_metadata", defects: map[string]string{"no-body-limit": created},
			run: registerWith(set("padding", strings.Repeat("x", 70<<10)))},
		{name: "empty body", want: badMeta, defects: map[string]string{"server-error-on-empty-body": "500 server_error"}, run: registerBody("application/jwt", func(*testing.T, *fixture, *Server, *software) string { return "" })},
		{name: "not a JWT", want: badMeta, defects: map[string]string{"server-error-on-malformed-jwt": "500 server_error"}, run: registerBody("application/jwt", func(*testing.T, *fixture, *Server, *software) string { return "not-a-jwt" })},
		{name: "JWT payload an array", want: badMeta, run: registerBody("application/jwt", func(*testing.T, *fixture, *Server, *software) string {
			return "eyJhbGciOiJQUzI1NiJ9.WzEsMl0.c2ln"
		})},
		{name: "request alg none", want: badMeta, defects: map[string]string{"accept-request-alg-none": created},
			run: signedRequest(false, func(_ *testing.T, c map[string]any, sw *software) (string, error) {
				return joseutil.SignNone(c, sw.key.KeyID)
			})},
		{name: "request alg HS256", want: badMeta, defects: map[string]string{"accept-request-hs256": created},
			run: signedRequest(false, func(_ *testing.T, c map[string]any, sw *software) (string, error) {
				return joseutil.SignHS256(c, sw.key.KeyID, []byte("a shared secret"))
			})},
		{name: "request alg RS256", want: badMeta, defects: map[string]string{"accept-request-rs256": created},
			run: signedRequest(true, func(_ *testing.T, c map[string]any, sw *software) (string, error) {
				return joseutil.SignAs(c, sw.key, jose.RS256, "JWT")
			})},
		{name: "request signed by a key outside the software key set", want: badMeta,
			defects: map[string]string{"skip-request-signature": created},
			run: signedRequest(false, func(t *testing.T, c map[string]any, _ *software) (string, error) {
				return joseutil.Sign(c, newECKey(t), "JWT")
			})},
		{name: "request signed by an outside key embedded in its header (jwk)", want: badMeta,
			defects: map[string]string{"request-header-jwk-trusted": created, "skip-request-signature": created},
			run: signedRequest(false, func(t *testing.T, c map[string]any, _ *software) (string, error) {
				return joseutil.SignEmbeddingJWK(c, newECKey(t), "JWT")
			})},
		{name: "request signed by an outside key whose key set its header names (jku)", want: badMeta,
			defects: map[string]string{"request-header-jku-trusted": created, "skip-request-signature": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw, rogue := f.newSoftware(t, false), newECKey(t)
				path := "/rogue/" + sw.id + ".jwks"
				f.publish(path, rogue)
				token, err := joseutil.SignWithHeaders(f.requestPayload(t, sw, s.URL, nil), rogue, "JWT", map[string]any{"jku": f.keys.URL + path})
				if err != nil {
					t.Fatal(err)
				}
				return register(t, s, sw.client, token).outcome()
			}},
		{name: "request signed by an outside key whose certificate, from an untrusted CA, its header carries (x5c)", want: badMeta,
			defects: map[string]string{"request-header-x5c-trusted": created, "skip-request-signature": created},
			run: signedRequest(false, func(t *testing.T, c map[string]any, _ *software) (string, error) {
				rogue := newECKey(t)
				return joseutil.SignWithHeaders(c, rogue, "JWT", map[string]any{"x5c": untrustedX5C(t, rogue)})
			})},
		{name: "request typ application/jwt", want: created, defects: map[string]string{"request-typ-exact": badMeta},
			run: signedRequest(false, func(_ *testing.T, c map[string]any, sw *software) (string, error) {
				return joseutil.Sign(c, sw.key, "application/jwt")
			})},
		{name: "request crit naming an unknown extension", want: badMeta, defects: map[string]string{"ignore-request-crit": created},
			run: signedRequest(false, func(_ *testing.T, c map[string]any, sw *software) (string, error) {
				return joseutil.SignWithHeaders(c, sw.key, "JWT", map[string]any{"crit": []string{"urn:example:unknown"}, "urn:example:unknown": true})
			})},
		{name: "request signature tampered", want: badMeta, defects: map[string]string{"skip-request-signature": created},
			run: signedRequest(false, func(t *testing.T, c map[string]any, sw *software) (string, error) {
				return joseutil.Tamper(mustSign(t, c, sw.key)), nil
			})},

		{name: "SSA missing", want: badSSAc, run: registerWith(unset("software_statement"))},
		{name: "SSA not a string", want: badSSAc, run: registerWith(set("software_statement", 42))},
		{name: "SSA signature tampered", want: badSSAc, defects: map[string]string{"skip-ssa-signature": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				return registerWith(ssaSigned(t, func(ssa map[string]any) (string, error) {
					return joseutil.Tamper(mustSign(t, ssa, f.dir)), nil
				}))(t, f, s)
			}},
		{name: "SSA signed by an unknown key", want: badSSAc, defects: map[string]string{"accept-ssa-unknown-kid": created, "skip-ssa-signature": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				return registerWith(ssaSigned(t, func(ssa map[string]any) (string, error) { return joseutil.Sign(ssa, newECKey(t), "JWT") }))(t, f, s)
			}},
		{name: "two registrations at once", want: created, defects: map[string]string{"register-500-under-load": "500 server_error"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sws := []*software{f.newSoftware(t, false), f.newSoftware(t, false)}
				bodies := []string{f.requestJWT(t, sws[0], s.URL, nil), f.requestJWT(t, sws[1], s.URL, nil)}
				outcomes := make([]string, 2)
				var wg sync.WaitGroup
				for i := range sws {
					wg.Add(1)
					go func() {
						defer wg.Done()
						outcomes[i] = register(t, s, sws[i].client, bodies[i]).outcome()
					}()
				}
				wg.Wait()
				if slices.Contains(outcomes, "500 server_error") { // one registration, at least, overlapped the other
					return "500 server_error"
				}
				return outcomes[0]
			}},
		{name: "SSA signed by the software's own key", want: badSSAc, defects: map[string]string{"accept-ssa-software-key": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				self := ssaSigned(t, func(ssa map[string]any) (string, error) { return joseutil.Sign(ssa, sw.key, "JWT") })
				return register(t, s, sw.client, f.requestJWT(t, sw, s.URL, self)).outcome()
			}},
		{name: "SSA alg none", want: badSSAc, defects: map[string]string{"accept-ssa-alg-none": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				return registerWith(ssaSigned(t, func(ssa map[string]any) (string, error) { return joseutil.SignNone(ssa, f.dir.KeyID) }))(t, f, s)
			}},
		{name: "SSA alg HS256 keyed with the directory's public key", want: badSSAc, defects: map[string]string{"accept-ssa-hs256": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				pub, err := x509.MarshalPKIXPublicKey(f.dir.Signer.Public())
				if err != nil {
					t.Fatal(err)
				}
				return registerWith(ssaSigned(t, func(ssa map[string]any) (string, error) { return joseutil.SignHS256(ssa, f.dir.KeyID, pub) }))(t, f, s)
			}},
		{name: "SSA from another issuer", want: badSSAc, defects: map[string]string{"accept-ssa-wrong-issuer": created},
			run: registerWith(setSSA("iss", "Some Other Directory"))},
		{name: "SSA expired", want: badSSAc, defects: map[string]string{"accept-expired-ssa": created}, run: registerWith(setSSA("exp", past))},
		{name: "SSA iat in the future", want: badSSAc, defects: map[string]string{"accept-future-ssa": created}, run: registerWith(setSSA("iat", future))},
		{name: "SSA issued 30 days ago", want: badSSAc, defects: map[string]string{"accept-stale-ssa": created},
			run: registerWith(setSSA("iat", time.Now().Add(-30*24*time.Hour).Unix()))},
		{name: "SSA issued an hour ago", want: created, run: registerWith(setSSA("iat", time.Now().Add(-time.Hour).Unix()))},
		{name: "SSA without org_id", want: badSSAc, defects: map[string]string{"accept-ssa-missing-claims": created},
			run: registerWith(func(ssa, _ map[string]any) { delete(ssa, "org_id") })},
		{name: "software revoked: its key moved to its revoked key set", want: unapprov, defects: map[string]string{"accept-revoked-software": created},
			run: registerRevoked},
		{name: "SSA organisation withdrawn", want: unapprov, defects: map[string]string{"accept-inactive-org": created},
			run: registerWith(setSSA("org_status", "Withdrawn"))},

		{name: "request expired", want: badMeta, defects: map[string]string{"ignore-request-exp": created}, run: registerWith(set("exp", past))},
		{name: "request iat in the future", want: badMeta, defects: map[string]string{"ignore-request-iat-future": created}, run: registerWith(set("iat", future))},
		{name: "request nbf in the future", want: badMeta, defects: map[string]string{"ignore-request-nbf": created}, run: registerWith(set("nbf", future))},
		{name: "request nbf a string", want: badMeta, run: registerWith(set("nbf", "soon"))},
		{name: "request without iss", want: badMeta, defects: map[string]string{"accept-missing-iss": created}, run: registerWith(unset("iss"))},
		{name: "request without aud", want: badMeta, defects: map[string]string{"accept-missing-aud": created}, run: registerWith(unset("aud"))},
		{name: "request without exp", want: badMeta, defects: map[string]string{"accept-missing-exp": created}, run: registerWith(unset("exp"))},
		{name: "request without iat", want: badMeta, defects: map[string]string{"accept-missing-iat": created}, run: registerWith(unset("iat"))},
		{name: "request without jti", want: badMeta, defects: map[string]string{"accept-missing-jti": created}, run: registerWith(unset("jti"))},
		{name: "request for another bank", want: badMeta, defects: map[string]string{"ignore-aud": created, "non-json-error": "400"},
			run: registerWith(set("aud", "https://another-bank.example"))},
		{name: "request aud a number", want: badMeta, run: registerWith(set("aud", 7))},
		{name: "request exp a string", want: badMeta, run: registerWith(set("exp", "tomorrow"))},
		{name: "request iss not the software_id", want: badMeta, defects: map[string]string{"ignore-iss-mismatch": created},
			run: registerWith(set("iss", "SomeoneElse"))},
		{name: "request software_id not the SSA's", want: badMeta, defects: map[string]string{"ignore-software-id-mismatch": created},
			run: registerWith(set("software_id", "SomeoneElse"))},
		{name: "UK DCR 3.1: application/jose", want: created, defects: map[string]string{"v31-jwt-only": "415 invalid_client_metadata"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				return do(t, sw.client, http.MethodPost, s.URL+RegistrationPathVersion("3.1"), "application/jose", "",
					strings.NewReader(f.requestJWT(t, sw, s.URL, nil))).outcome()
			}},
		{name: "UK DCR 3.1: tls_client_auth_dn", want: created, defects: map[string]string{"v31-subject-dn-only": badMeta},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				body := f.requestJWT(t, sw, s.URL, func(_, req map[string]any) {
					delete(req, "token_endpoint_auth_signing_alg")
					req["token_endpoint_auth_method"] = "tls_client_auth"
					req["tls_client_auth_dn"] = sw.leaf.Subject.String()
				})
				return do(t, sw.client, http.MethodPost, s.URL+RegistrationPathVersion("3.1"), "application/jose", "", strings.NewReader(body)).outcome()
			}},
		{name: "UK DCR 3.3: tls_client_auth_dn is not its member", want: badMeta,
			run: registerWith(func(_, req map[string]any) {
				delete(req, "token_endpoint_auth_signing_alg")
				req["token_endpoint_auth_method"] = "tls_client_auth"
				req["tls_client_auth_dn"] = "CN=x"
			})},
		{name: "no software_statement after an earlier registration", want: badSSAc, defects: map[string]string{"ssa-from-earlier-registration": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				id := f.mustRegister(t, s, sw, nil)
				deleted(t, s, sw, id, mustToken(t, s, sw, id))
				return register(t, s, sw.client, f.requestJWT(t, sw, s.URL, unset("software_statement"))).outcome()
			}},
		{name: "redirect URI extending an SSA URI", want: badRedir, defects: map[string]string{"redirect-prefix-match": created},
			run: registerWith(set("redirect_uris", []string{"https://tpp.example/cb/../attacker"}))},
		{name: "id_token alg RS256", want: badMeta, defects: map[string]string{"accept-any-id-token-alg": created},
			run: registerWith(set("id_token_signed_response_alg", "RS256"))},

		{name: "redirect URI outside the SSA", want: badRedir,
			defects: map[string]string{"ignore-redirect-subset": created, "invalid-request-for-redirect": "400 invalid_request"},
			run:     registerWith(set("redirect_uris", []string{"https://evil.example/cb"}))},
		{name: "http redirect URI", want: badRedir, defects: map[string]string{"allow-http-redirect": created},
			run: registerWith(set("redirect_uris", []string{"http://tpp.example/plain"}))},
		{name: "redirect_uris missing", want: badRedir, run: registerWith(unset("redirect_uris"))},
		{name: "redirect_uris a string", want: badRedir, run: registerWith(set("redirect_uris", "https://tpp.example/cb"))},
		{name: "auth method client_secret_basic", want: badMeta, defects: map[string]string{"accept-unsupported-auth-method": created},
			run: registerWith(set("token_endpoint_auth_method", "client_secret_basic"))},
		{name: "auth method none (a public client)", want: badMeta, defects: map[string]string{"accept-unsupported-auth-method": created, "accept-public-client": created},
			run: registerWith(set("token_endpoint_auth_method", "none"))},
		{name: "private_key_jwt without signing alg", want: badMeta, defects: map[string]string{"accept-missing-signing-alg": created},
			run: registerWith(unset("token_endpoint_auth_signing_alg"))},
		{name: "signing alg RS256", want: badMeta, defects: map[string]string{"accept-unsupported-signing-alg": created},
			run: registerWith(set("token_endpoint_auth_signing_alg", "RS256"))},
		{name: "tls_client_auth with the certificate's subject, reordered", want: created, run: func(t *testing.T, f *fixture, s *Server) string {
			sw := f.newSoftware(t, false)
			dn := fmt.Sprintf("C=GB, O=OpenBanking, OU=%s, CN=%s", sw.org, sw.id)
			return register(t, s, sw.client, f.requestJWT(t, sw, s.URL, tlsClientAuth(dn))).outcome()
		}},
		{name: "tls_client_auth with another subject", want: badMeta, defects: map[string]string{"ignore-tls-subject-dn": created},
			run: registerWith(tlsClientAuth("CN=someone,OU=else,O=OpenBanking,C=GB"))},
		{name: "tls_client_auth without subject", want: badMeta, run: registerWith(tlsClientAuth(""))},
		{name: "grant type password", want: badMeta, defects: map[string]string{"accept-unsupported-grant-type": created},
			run: registerWith(set("grant_types", []string{"client_credentials", "password"}))},
		{name: "response type token", want: badMeta, defects: map[string]string{"accept-unsupported-response-type": created},
			run: registerWith(set("response_types", []string{"token"}))},
		{name: "software_statement returned as sent", want: "201 unmodified", defects: map[string]string{"ssa-echo-decoded": "201 modified"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				body := f.requestJWT(t, sw, s.URL, nil)
				r := register(t, s, sw.client, body)
				if got, _ := r.body["software_statement"].(string); got != "" && got == requestSSA(t, body) {
					return r.outcome() + " unmodified"
				}
				return r.outcome() + " modified"
			}},
		{name: "application type native", want: badMeta, defects: map[string]string{"accept-bad-application-type": created},
			run: registerWith(set("application_type", "native"))},
		{name: "id_token alg none", want: badMeta, run: registerWith(set("id_token_signed_response_alg", "none"))},
		{name: "scope beyond the software roles", want: badMeta, defects: map[string]string{"ignore-scope-roles": created},
			run: registerWith(set("scope", "openid accounts fundsconfirmations"))},
		{name: "scope a list", want: badMeta, run: registerWith(set("scope", []string{"accounts"}))},

		{name: "duplicate registration", want: badMeta, defects: map[string]string{"allow-duplicate-registration": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				f.mustRegister(t, s, sw, nil)
				return register(t, s, sw.client, f.requestJWT(t, sw, s.URL, nil)).outcome()
			}},
		{name: "request replayed after delete", want: badMeta, defects: map[string]string{"allow-jti-replay": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				body := f.requestJWT(t, sw, s.URL, nil)
				id := mustRegisterBody(t, s, sw, body)
				if r := manage(t, s, sw.client, http.MethodDelete, id, mustToken(t, s, sw, id), ""); r.status != http.StatusNoContent {
					t.Fatalf("delete: %s", r.outcome())
				}
				return register(t, s, sw.client, body).outcome()
			}},
		{name: "201 response", want: "201 issued_at:true secret:false redirects:echoed",
			defects: map[string]string{
				"status-200-on-register":  "200 issued_at:true secret:false redirects:echoed",
				"client-secret-for-pkjwt": "201 issued_at:true secret:true redirects:echoed",
				"echo-wrong-metadata":     "201 issued_at:true secret:false redirects:changed",
			},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				r := register(t, s, sw.client, f.requestJWT(t, sw, s.URL, nil))
				_, issued := r.body["client_id_issued_at"].(float64)
				_, secret := r.body["client_secret"]
				redirects := "changed"
				if fmt.Sprint(r.body["redirect_uris"]) == "[https://tpp.example/cb]" {
					redirects = "echoed"
				}
				return fmt.Sprintf("%d issued_at:%v secret:%v redirects:%s", r.status, issued, secret, redirects)
			}},
	}
}
