package bank

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// tokenRuleScenarios exercise the token endpoint's rules of RFC 6749 sections 2.3 and 5.2, RFC 7521
// section 4.2.1 and RFC 7523 section 3 that the uk token specs check, and the Bearer challenge to a
// request without credentials (RFC 6750 section 3).
func tokenRuleScenarios() []scenario {
	return []scenario{
		{name: "assertion without exp", want: noClient, defects: map[string]string{"token-accept-assertion-without-exp": "200"},
			run: tokenWith(false, func(_ *testing.T, _ *Server, _ *software, a map[string]any) string { delete(a, "exp"); return "" }, nil)},
		{name: "assertion before its nbf", want: noClient, defects: map[string]string{"token-ignore-assertion-nbf": "200"},
			run: tokenWith(false, func(_ *testing.T, _ *Server, _ *software, a map[string]any) string {
				a["nbf"], a["exp"] = time.Now().Add(10*time.Minute).Unix(), time.Now().Add(15*time.Minute).Unix()
				return ""
			}, nil)},
		{name: "assertion without jti", want: noClient, defects: map[string]string{"token-accept-assertion-without-jti": "200"},
			run: tokenWith(false, func(_ *testing.T, _ *Server, _ *software, a map[string]any) string { delete(a, "jti"); return "" }, nil)},
		{name: "assertion with nbf now", want: "200", run: tokenWith(false, setAssertion("nbf", time.Now().Unix()), nil)},
		{name: "assertion with a claim no specification defines", want: "200", defects: map[string]string{"token-refuse-unknown-assertion-claims": noClient},
			run: tokenWith(false, setAssertion("x_dcrconform_unknown", "ignored"), nil)},
		{name: "assertion and client_secret", want: noClient, defects: map[string]string{"token-ignore-second-client-auth": "200"},
			run: tokenWith(false, nil, func(form map[string][]string) { form["client_secret"] = []string{"a-secret"} })},
		{name: "assertion and HTTP Basic", want: noClient + " Basic", defects: map[string]string{"token-ignore-second-client-auth": "200 "},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				id := f.mustRegister(t, s, sw, nil)
				form := tokenForm(id, mustSign(t, assertion(s, id), sw.key))
				req, err := http.NewRequest(http.MethodPost, s.URL+tokenPath, strings.NewReader(form.Encode()))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(url.QueryEscape(id), "a-secret")
				resp, err := sw.client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				r := result{status: resp.StatusCode}
				if resp.StatusCode == http.StatusUnauthorized {
					r.body = map[string]any{"error": errInvalidClient}
				}
				scheme, _, _ := strings.Cut(resp.Header.Get("WWW-Authenticate"), " ")
				return r.outcome() + " " + scheme
			}},
		{name: "private_key_jwt client with its certificate only", want: "400 invalid_request", defects: map[string]string{"token-accept-cert-for-jwt-client": "200"},
			run: tokenWith(false, nil, func(form map[string][]string) {
				delete(form, "client_assertion")
				delete(form, "client_assertion_type")
			})},
		{name: "token grant of an unknown extension", want: "400 unsupported_grant_type",
			defects: map[string]string{"token-unsupported-grant-invalid-request": "400 invalid_request"},
			run: tokenWith(false, nil, func(form map[string][]string) {
				form["grant_type"] = []string{"urn:example:grant-type:unknown"}
			})},
		{name: "token error description", want: `400 grant_type 'password' is not supported here: use client_credentials`,
			defects: map[string]string{"error-description-raw": `400 grant_type "password" is not supported here: use client_credentials`},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				id := f.mustRegister(t, s, sw, nil)
				form := tokenForm(id, mustSign(t, assertion(s, id), sw.key))
				form.Set("grant_type", "password")
				r := requestToken(t, s, sw.client, form)
				desc, _ := r.body["error_description"].(string)
				return fmt.Sprintf("%d %s", r.status, desc)
			}},
		{name: "token response expires_in", want: "200 3600", defects: map[string]string{"token-response-without-expires-in": "200 <nil>"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				id := f.mustRegister(t, s, sw, nil)
				r := requestToken(t, s, sw.client, tokenForm(id, mustSign(t, assertion(s, id), sw.key)))
				return fmt.Sprintf("%d %v", r.status, r.body["expires_in"])
			}},
		{name: "assertion iss in other letter case", want: noClient, defects: map[string]string{"token-iss-case-insensitive": "200"},
			run: tokenWith(false, func(_ *testing.T, _ *Server, _ *software, a map[string]any) string {
				id, _ := a["iss"].(string)
				a["iss"] = strings.ToUpper(id)
				if a["iss"] == id {
					a["iss"] = strings.ToLower(id)
				}
				return ""
			}, nil)},
		{name: "GET with an unknown token: challenge", want: noToken + ` Bearer error="invalid_token"`,
			defects: map[string]string{"bearer-challenge-without-error": noToken + ` Bearer realm="dcrconform"`,
				"bearer-error-twice":           noToken + ` Bearer error="invalid_token", error="invalid_token"`,
				"bearer-description-non-ascii": noToken + ` Bearer error="invalid_token", error_description="the access token isn’t valid — ask for a new one"`},
			run: managed(func(t *testing.T, _ *fixture, s *Server, sw *software, id, _ string) string {
				r := manage(t, s, sw.client, http.MethodGet, id, "not-a-token", "")
				return r.outcome() + " " + r.header.Get("WWW-Authenticate")
			})},
	}
}
