package bank

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// doWith sends a request with the given headers and summarises the answer.
func doWith(t testing.TB, c *http.Client, method, target string, header http.Header, body string) result {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := result{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func jsonHeader(authorization string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if authorization != "" {
		h.Set("Authorization", authorization)
	}
	return h
}

// plainMetadata is a valid RFC 7591 registration request.
func plainMetadata() map[string]any {
	return map[string]any{"redirect_uris": []string{"https://client.example/cb"}, "client_name": "plain client",
		"grant_types": []string{"client_credentials"}, "token_endpoint_auth_method": "client_secret_basic", "scope": "openid"}
}

// plainRegister registers edited plain metadata at the rfc7591 endpoint with the initial access token.
func plainRegister(t testing.TB, f *fixture, s *Server, authorization string, edit func(map[string]any)) result {
	t.Helper()
	md := plainMetadata()
	if edit != nil {
		edit(md)
	}
	return doWith(t, f.httpClient(t, nil), http.MethodPost, s.URL+RegistrationPath(ProfileRFC7591), jsonHeader(authorization), mustJSON(t, md))
}

func withInitialToken() string { return "Bearer " + testInitialToken }

// plainClient registers a plain client and returns its 201 body.
func plainClient(t testing.TB, f *fixture, s *Server) map[string]any {
	t.Helper()
	r := plainRegister(t, f, s, withInitialToken(), nil)
	if r.status != http.StatusCreated {
		t.Fatalf("rfc7591 registration: %s %s", r.outcome(), r.raw)
	}
	return r.body
}

// members lists which of the RFC 7591/7592 response members a body carries.
func members(status int, body map[string]any) string {
	out := []string{sprint(status)}
	for _, k := range []string{"client_secret_expires_at", "registration_access_token", "registration_client_uri", "client_secret"} {
		if _, ok := body[k]; ok {
			out = append(out, k)
		}
	}
	return strings.Join(out, " ")
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// plainUpdate PUTs the client's metadata, edited, at its registration_client_uri.
func plainUpdate(t testing.TB, f *fixture, c map[string]any, edit func(map[string]any)) result {
	t.Helper()
	md := plainMetadata()
	md["client_id"] = c["client_id"]
	if edit != nil {
		edit(md)
	}
	return doWith(t, f.httpClient(t, nil), http.MethodPut, str(c, "registration_client_uri"),
		jsonHeader("Bearer "+str(c, "registration_access_token")), mustJSON(t, md))
}

// cdrClient registers sw under the CDR profile, with a CDR register SSA, and returns its client_id.
func cdrClient(t testing.TB, f *fixture, s *Server, sw *software) string {
	t.Helper()
	r := cdrRegister(t, f, s, sw, nil)
	if r.status != http.StatusCreated {
		t.Fatalf("CDR registration: %s %s", r.outcome(), r.raw)
	}
	return str(r.body, "client_id")
}

// cdrRegister posts sw's CDR registration request, edited by edit, with an SSA whose client_name is
// "ADR <software_id>".
func cdrRegister(t testing.TB, f *fixture, s *Server, sw *software, edit func(req map[string]any)) result {
	t.Helper()
	return cdrRegisterSSA(t, f, s, sw, nil, edit)
}

// cdrTokenForm is tokenForm asking for the CDR registration scope.
func cdrTokenForm(clientID, signedAssertion string) url.Values {
	form := tokenForm(clientID, signedAssertion)
	form.Set("scope", "cdr:registration")
	return form
}

// cdrRegisterSSA is cdrRegister with the SSA's claims edited by editSSA before it is signed.
func cdrRegisterSSA(t testing.TB, f *fixture, s *Server, sw *software, editSSA, edit func(map[string]any)) result {
	t.Helper()
	now := time.Now()
	ssa := map[string]any{"iss": "cdr-register", "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "jti": sprint(now.UnixNano()),
		"org_id": sw.org, "org_name": "ADR", "client_name": "ADR " + sw.id, "redirect_uris": sw.redirects[:2],
		"jwks_uri": sw.jwksURL, "software_id": sw.id, "software_roles": "data-recipient-software-product",
		"scope": "openid bank:accounts.basic:read cdr:registration"}
	if editSSA != nil {
		editSSA(ssa)
	}
	req := requestClaims(sw, s.URL)
	delete(req, "scope")
	req["software_statement"] = mustSign(t, ssa, f.dir)
	if edit != nil {
		edit(req)
	}
	return do(t, sw.client, http.MethodPost, s.URL+RegistrationPath(ProfileCDR), "application/jwt", "", strings.NewReader(mustSign(t, req, sw.key)))
}

// isRegister registers a fresh software under the Identity Server profile with the given Basic credentials.
func isRegister(t testing.TB, f *fixture, s *Server, user, password string) result {
	t.Helper()
	sw := f.newSoftware(t, false)
	h := jsonHeader("")
	if user != "" {
		h.Set("Authorization", "Basic "+basic(user, password))
	}
	return doWith(t, sw.client, http.MethodPost, s.URL+RegistrationPath(ProfileIS), h, mustJSON(t, f.requestPayload(t, sw, s.URL, nil)))
}

func basic(user, password string) string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(user, password)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

func profileScenarios() []scenario {
	return []scenario{
		{name: "rfc7591: register without the initial access token", want: noToken, defects: map[string]string{"rfc7591-skip-initial-access-token": created},
			run: func(t *testing.T, f *fixture, s *Server) string { return plainRegister(t, f, s, "", nil).outcome() }},
		{name: "rfc7591: jwks and jwks_uri", want: badMeta, defects: map[string]string{"rfc7591-allow-jwks-and-jwks-uri": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				return plainRegister(t, f, s, withInitialToken(), func(md map[string]any) {
					md["jwks_uri"], md["jwks"] = "https://client.example/jwks", map[string]any{"keys": []any{}}
				}).outcome()
			}},
		{name: "rfc7591: redirect URI with a fragment", want: badRedir, defects: map[string]string{"allow-redirect-fragment": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				return plainRegister(t, f, s, withInitialToken(), func(md map[string]any) { md["redirect_uris"] = []string{"https://client.example/cb#x"} }).outcome()
			}},
		{name: "rfc7591: registration response members", want: "201 client_secret_expires_at registration_access_token registration_client_uri client_secret",
			defects: map[string]string{"rfc7592-omit-registration-token": "201 client_secret_expires_at client_secret",
				"omit-client-secret-expires-at": "201 registration_access_token registration_client_uri client_secret"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				r := plainRegister(t, f, s, withInitialToken(), nil)
				return members(r.status, r.body)
			}},
		{name: "rfc7592: read response members", want: "200 client_secret_expires_at registration_access_token registration_client_uri client_secret",
			defects: map[string]string{"rfc7592-read-omits-registration-token": "200 client_secret_expires_at client_secret"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				c := plainClient(t, f, s)
				r := doWith(t, f.httpClient(t, nil), http.MethodGet, str(c, "registration_client_uri"), jsonHeader("Bearer "+str(c, "registration_access_token")), "")
				return members(r.status, r.body)
			}},
		{name: "rfc7592: read an unknown client", want: noToken, defects: map[string]string{"unknown-client-404": "404 not_found"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				c := plainClient(t, f, s)
				uri := s.URL + RegistrationPath(ProfileRFC7591) + "/" + url.PathEscape("unknown-client")
				return doWith(t, f.httpClient(t, nil), http.MethodGet, uri, jsonHeader("Bearer "+str(c, "registration_access_token")), "").outcome()
			}},
		{name: "rfc7592: PUT naming another client_id", want: badMeta, defects: map[string]string{"put-adopts-client-id": "200 client_id another"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				r := plainUpdate(t, f, plainClient(t, f, s), func(md map[string]any) { md["client_id"] = "another" })
				if r.status == http.StatusOK {
					return fmt.Sprintf("200 client_id %v", r.body["client_id"])
				}
				return r.outcome()
			}},
		{name: "rfc7592: PUT choosing a client_secret", want: badMeta, defects: map[string]string{"rfc7592-put-overwrites-secret": "200"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				return plainUpdate(t, f, plainClient(t, f, s), func(md map[string]any) { md["client_secret"] = "chosen" }).outcome()
			}},
		{name: "rfc7592: the rotated registration access token", want: "200", defects: map[string]string{"rfc7592-rotate-without-storing": noToken},
			run: func(t *testing.T, f *fixture, s *Server) string {
				c := plainClient(t, f, s)
				r := plainUpdate(t, f, c, nil)
				if r.status != http.StatusOK || str(r.body, "registration_access_token") == str(c, "registration_access_token") {
					t.Fatalf("update: %s, token rotated: %v", r.outcome(), str(r.body, "registration_access_token") != str(c, "registration_access_token"))
				}
				return doWith(t, f.httpClient(t, nil), http.MethodGet, str(c, "registration_client_uri"),
					jsonHeader("Bearer "+str(r.body, "registration_access_token")), "").outcome()
			}},
		{name: "rfc7592: update response members", want: "200 client_secret_expires_at registration_access_token registration_client_uri client_secret",
			defects: map[string]string{"rfc7592-put-omits-registration-token": "200 client_secret_expires_at client_secret",
				"rfc7592-put-omits-secret-expiry": "200 registration_access_token registration_client_uri client_secret"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				r := plainUpdate(t, f, plainClient(t, f, s), nil)
				return members(r.status, r.body)
			}},
		{name: "rfc7591: HTTP Basic credentials refused with a Basic challenge", want: `401 invalid_client, WWW-Authenticate "Basic realm=\"dcr\""`,
			defects: map[string]string{"basic-401-without-challenge": `401 invalid_client, WWW-Authenticate ""`},
			run: func(t *testing.T, f *fixture, s *Server) string {
				c := plainClient(t, f, s)
				h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {"Basic " + basic(str(c, "client_id"), "wrong")}}
				r := doWith(t, f.httpClient(t, nil), http.MethodPost, s.URL+tokenPath, h, "grant_type=client_credentials&scope=openid")
				return fmt.Sprintf("%s, WWW-Authenticate %q", r.outcome(), r.header.Get("WWW-Authenticate"))
			}},
		{name: "rfc7591: unknown client metadata", want: created, defects: map[string]string{"rfc7591-reject-unknown-metadata": badMeta},
			run: func(t *testing.T, f *fixture, s *Server) string {
				return plainRegister(t, f, s, withInitialToken(), func(md map[string]any) { md["example_extension_parameter"] = "example_value" }).outcome()
			}},
		{name: "rfc7591: authorization_code without redirect URIs", want: badRedir, defects: map[string]string{"rfc7591-allow-code-without-redirect": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				return plainRegister(t, f, s, withInitialToken(), func(md map[string]any) {
					delete(md, "redirect_uris")
					md["grant_types"], md["response_types"] = []string{"authorization_code"}, []string{"code"}
				}).outcome()
			}},
		{name: "rfc7591: plain http redirect URI on a remote host", want: badRedir, defects: map[string]string{"rfc7591-allow-remote-http-redirect": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				return plainRegister(t, f, s, withInitialToken(), func(md map[string]any) { md["redirect_uris"] = []string{"http://client.example/cb"} }).outcome()
			}},
		{name: "rfc7591: plain http redirect URI on the local machine", want: created,
			run: func(t *testing.T, f *fixture, s *Server) string {
				return plainRegister(t, f, s, withInitialToken(), func(md map[string]any) { md["redirect_uris"] = []string{"http://localhost:8080/cb"} }).outcome()
			}},
		{name: "rfc7591: two clients of the same metadata", want: "distinct secrets", defects: map[string]string{"rfc7591-derived-client-secret": "one secret"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				if str(plainClient(t, f, s), "client_secret") == str(plainClient(t, f, s), "client_secret") {
					return "one secret"
				}
				return "distinct secrets"
			}},
		{name: "rfc7592: registration access token length", want: "44 characters", defects: map[string]string{"rfc7592-guessable-registration-token": "12 characters"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				return fmt.Sprintf("%d characters", len(str(plainClient(t, f, s), "registration_access_token")))
			}},
		{name: "rfc7592: the rotated-out registration access token", want: noToken, defects: map[string]string{"rfc7592-keep-old-registration-token": "200"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				c := plainClient(t, f, s)
				if r := plainUpdate(t, f, c, nil); r.status != http.StatusOK {
					t.Fatalf("update: %s", r.outcome())
				}
				return doWith(t, f.httpClient(t, nil), http.MethodGet, str(c, "registration_client_uri"),
					jsonHeader("Bearer "+str(c, "registration_access_token")), "").outcome()
			}},
		{name: "rfc7592: PATCH at the client configuration endpoint", want: "405 invalid_request", defects: map[string]string{"rfc7592-any-method-reads": "200"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				c := plainClient(t, f, s)
				return doWith(t, f.httpClient(t, nil), http.MethodPatch, str(c, "registration_client_uri"),
					jsonHeader("Bearer "+str(c, "registration_access_token")), `{"client_name":"patched"}`).outcome()
			}},
		{name: "rfc7592: registration_client_uri names the client_id", want: "client_id 200", defects: map[string]string{"rfc7592-opaque-client-uri": "handle 200"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				c := plainClient(t, f, s)
				uri := str(c, "registration_client_uri")
				form := "handle"
				if strings.HasSuffix(uri, "/"+str(c, "client_id")) {
					form = "client_id"
				}
				return form + " " + doWith(t, f.httpClient(t, nil), http.MethodGet, uri, jsonHeader("Bearer "+str(c, "registration_access_token")), "").outcome()
			}},
		{name: "rfc7592: registration_client_uri", want: "absolute", defects: map[string]string{"rfc7592-relative-client-uri": "relative"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				if u, err := url.Parse(str(plainClient(t, f, s), "registration_client_uri")); err == nil && u.IsAbs() && u.Host != "" {
					return "absolute"
				}
				return "relative"
			}},
		{name: "rfc7591: token with a wrong client_secret", want: noClient, defects: map[string]string{"token-accept-wrong-secret": "200"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				c := plainClient(t, f, s)
				h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {"Basic " + basic(str(c, "client_id"), "wrong")}}
				return doWith(t, f.httpClient(t, nil), http.MethodPost, s.URL+tokenPath, h, "grant_type=client_credentials&scope=openid").outcome()
			}},
		{name: "is: register without Basic credentials", want: noClient, defects: map[string]string{"is-skip-basic-auth": created},
			run: func(t *testing.T, f *fixture, s *Server) string { return isRegister(t, f, s, "", "").outcome() }},
		{name: "is: ext_* members", want: "201 ext", defects: map[string]string{"is-omit-ext-fields": created},
			run: func(t *testing.T, f *fixture, s *Server) string {
				r := isRegister(t, f, s, testAdminUser, testAdminPassword)
				if _, ok := r.body["ext_application_owner"]; ok {
					return r.outcome() + " ext"
				}
				return r.outcome()
			}},
		{name: "cdr: request client_name conflicting with the SSA's", want: "201 the SSA's", defects: map[string]string{"request-overrides-ssa": "201 the request's"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				r := cdrRegister(t, f, s, sw, func(req map[string]any) { req["client_name"] = "not the SSA's" })
				switch str(r.body, "client_name") {
				case "ADR " + sw.id:
					return r.outcome() + " the SSA's"
				case "not the SSA's":
					return r.outcome() + " the request's"
				}
				return r.outcome()
			}},
		{name: "cdr: request carrying a claim the holder does not support", want: "201 ignored",
			defects: map[string]string{"cdr-refuse-unknown-claims": "400 invalid_client_metadata", "cdr-echo-unknown-claims": "201 answered"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				r := cdrRegister(t, f, s, f.newSoftware(t, false), func(req map[string]any) { req["x_unsupported"] = "ignore me" })
				if _, answered := r.body["x_unsupported"]; answered {
					return r.outcome() + " answered"
				}
				if r.status == http.StatusCreated {
					return r.outcome() + " ignored"
				}
				return r.outcome()
			}},
		{name: "cdr: SSA naming a scope the holder does not support (energy)", want: "201",
			defects: map[string]string{"cdr-refuse-unsupported-ssa-scope": "400 invalid_software_statement"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				return cdrRegisterSSA(t, f, s, f.newSoftware(t, false), func(ssa map[string]any) {
					ssa["scope"] = ssa["scope"].(string) + " energy:accounts.basic:read"
				}, nil).outcome()
			}},
		{name: "cdr: 201 answer with the SSA's software_id and jwks_uri", want: "201 both", defects: map[string]string{"cdr-omit-ssa-metadata": "201 missing"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				r := cdrRegister(t, f, s, sw, nil)
				if str(r.body, "software_id") == sw.id && str(r.body, "jwks_uri") == sw.jwksURL {
					return r.outcome() + " both"
				}
				return r.outcome() + " missing"
			}},
		{name: "cdr: second POST of a registered software product", want: "400 invalid_client_metadata, kept",
			defects: map[string]string{"cdr-duplicate-post-updates": "400 invalid_client_metadata, overwritten"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				id := cdrClient(t, f, s, sw)
				again := cdrRegister(t, f, s, sw, func(req map[string]any) { req["redirect_uris"] = sw.redirects[1:2] })
				tok := str(requestToken(t, s, sw.client, cdrTokenForm(id, mustSign(t, assertion(s, id), sw.key))).body, "access_token")
				got := do(t, sw.client, http.MethodGet, s.URL+RegistrationPath(ProfileCDR)+"/"+id, "", tok, nil)
				if uris, _ := got.body["redirect_uris"].([]any); len(uris) == 1 && uris[0] == sw.redirects[1] {
					return again.outcome() + ", overwritten"
				}
				return again.outcome() + ", kept"
			}},
		{name: "cdr: client assertion whose aud is the token endpoint alone", want: "200",
			defects: map[string]string{"cdr-assertion-aud-issuer-only": "401 invalid_client"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				id := cdrClient(t, f, s, sw)
				return requestToken(t, s, sw.client, cdrTokenForm(id, mustSign(t, assertion(s, id), sw.key))).outcome()
			}},
		{name: "cdr: client assertion whose aud is the issuer alone", want: "200",
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				id := cdrClient(t, f, s, sw)
				a := assertion(s, id)
				a["aud"] = s.URL
				return requestToken(t, s, sw.client, cdrTokenForm(id, mustSign(t, a, sw.key))).outcome()
			}},
		{name: "discovery: ID-token encryption", want: "[RSA-OAEP] [A256GCM]", defects: map[string]string{"id-token-enc-legacy-only": "[RSA1_5] [A128GCM]"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				r := do(t, f.httpClient(t, nil), http.MethodGet, s.URL+discoveryPath, "", "", nil)
				return fmt.Sprint(r.body["id_token_encryption_alg_values_supported"], " ", r.body["id_token_encryption_enc_values_supported"])
			}},
		{name: "cdr: GET with a token without cdr:registration", want: "403 insufficient_scope", defects: map[string]string{"cdr-ignore-registration-scope": "200"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				id := cdrClient(t, f, s, sw)
				form := tokenForm(id, mustSign(t, assertion(s, id), sw.key))
				form.Set("scope", "bank:accounts.basic:read")
				r := requestToken(t, s, sw.client, form)
				tok := str(r.body, "access_token")
				if tok == "" {
					t.Fatalf("token: %s %s", r.outcome(), r.raw)
				}
				got := do(t, sw.client, http.MethodGet, s.URL+RegistrationPath(ProfileCDR)+"/"+id, "", tok, nil)
				if got.status == http.StatusForbidden && !slices.Contains(strings.Fields(got.header.Get("WWW-Authenticate")), `scope="cdr:registration"`) {
					t.Errorf("403 challenge %q names no scope", got.header.Get("WWW-Authenticate"))
				}
				return got.outcome()
			}},
	}
}
