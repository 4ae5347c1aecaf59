package rfc7591

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// A public key (RFC 7517 appendix A.1), for a jwks member.
const exampleJWKS = `{"keys":[{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",` +
	`"y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","use":"sig","kid":"1"}]}`

var _ = framework.Describe("RFC 7591/7592: registration", func() {
	framework.ConformanceIt(positive("RFC-REG-001", "register", "RFC7591-3.2.1, RFC7591-3-POST, RFC7591-2-REDIRECT-SUPPORT",
		"a JSON registration is answered 201 with client_id, registration_access_token, registration_client_uri and the metadata",
		"201 with client_id, registration_access_token, registration_client_uri"),
		func(f *framework.Framework) { common.Register(f, echoed) })

	framework.ConformanceIt(positive("RFC-REG-002", "register", "RFC7591-3.2.1-SECRET-EXPIRY",
		"a client_secret_basic client is issued a client_secret with client_secret_expires_at", "201 with client_secret and client_secret_expires_at"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			if method := registeredAuthMethod(reg); method != "client_secret_basic" && method != "client_secret_post" {
				f.Skipf("the client registered token_endpoint_auth_method %s, which is issued no client_secret", method)
			}
			if reg.ClientSecret == "" {
				f.Failf("a client_secret for a client_secret_basic client (RFC7591-3.2.1)", "none issued")
			}
			if _, ok := reg.Metadata["client_secret_expires_at"].(json.Number); !ok {
				f.Failf("client_secret_expires_at, a number, with the client_secret (RFC7591-3.2.1: REQUIRED if client_secret is issued)",
					"client_secret_expires_at %v", reg.Metadata["client_secret_expires_at"])
			}
		})

	framework.ConformanceIt(positive("RFC-REG-003", "register", "RFC6749-5.1-NO-STORE",
		"the registration answer, which carries the client's credentials (registration_access_token, client_secret), is sent with Cache-Control: no-store and Pragma: no-cache",
		"201 with Cache-Control: no-store and Pragma: no-cache"),
		func(f *framework.Framework) {
			sw := f.Software()
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw))
			f.SetupStatus("the registration", resp, err, http.StatusCreated)
			body := f.ExpectJSON(resp)
			if body["registration_access_token"] == nil && body["client_secret"] == nil {
				f.Skipf("the registration answer carries no registration_access_token or client_secret")
			}
			f.ExpectNotCached(resp)
		})

	framework.ConformanceIt(negative("RFC-REG-N01", "register", "RFC7591-3, RFC6750-3",
		"a registration without the initial access token the server requires is 401 with a WWW-Authenticate: Bearer challenge",
		"401 with WWW-Authenticate: Bearer"),
		func(f *framework.Framework) {
			if f.Settings().InitialAccessToken == "" {
				f.Skipf("the target gives no initial access token, so its registration is open")
			}
			sw := f.Software()
			resp, err := f.PostRegistrationAuthorized(sw, f.Encode(sw, f.BaselineClaims(sw)), f.ContentType(), nil, "")
			f.ExpectUnauthorized(resp, err, true)
		})

	framework.ConformanceIt(negative("RFC-REG-N02", "register", "RFC6750-3, RFC6750-3.1",
		"a registration with a wrong initial access token is 401 invalid_token", `401, WWW-Authenticate: Bearer error="invalid_token"`),
		func(f *framework.Framework) {
			if f.Settings().InitialAccessToken == "" {
				f.Skipf("the target gives no initial access token, so its registration is open")
			}
			sw := f.Software()
			resp, err := f.PostRegistrationAuthorized(sw, f.Encode(sw, f.BaselineClaims(sw)), f.ContentType(), nil, "Bearer wrong-"+framework.NewID())
			f.ExpectBearerError(resp, err, "invalid_token", http.StatusUnauthorized)
		})

	framework.ConformanceIt(negative("RFC-REG-N03", "register", "RFC6749-3.1.2, RFC7591-3.2.2-REDIRECT",
		"a redirect URI with a fragment is refused with invalid_redirect_uri or invalid_client_metadata", "400 invalid_redirect_uri|invalid_client_metadata"),
		func(f *framework.Framework) {
			sw := f.Software()
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw).With("redirect_uris", []string{sw.RedirectURIs[0] + "#fragment"}))
			f.ExpectError(resp, err, []int{http.StatusBadRequest}, fragmentCodes(f)...)
		})

	framework.ConformanceIt(negative("RFC-REG-N04", "register", "RFC7591-2-JWKS",
		"a registration carrying both jwks_uri and jwks is refused", "400 invalid_client_metadata"),
		func(f *framework.Framework) {
			sw := f.Software()
			var jwks map[string]any
			_ = json.Unmarshal([]byte(exampleJWKS), &jwks)
			claims := f.BaselineClaims(sw).With("jwks_uri", "https://client.example.org/jwks.json").With("jwks", jwks)
			resp, err := f.TryRegister(sw, claims)
			f.ExpectError(resp, err, []int{http.StatusBadRequest}, f.Profile().Codes(framework.FaultMetadata)...)
		})

	framework.ConformanceIt(positive("RFC-TOK-001", "token", "RFC6749-2.3.1, RFC6749-5.1, RFC6749-5.1-EXPIRES-IN, RFC6749-5.1-NO-STORE",
		"the issued client_id and client_secret get a client_credentials token with HTTP Basic", "200 with access_token"),
		func(f *framework.Framework) { common.Token(f) })

	framework.ConformanceIt(negative("RFC-TOK-N01", "token", "RFC6749-5.2",
		"a token request with wrong client credentials (a wrong client_secret, or for a private_key_jwt client an assertion signed by another key) is refused with invalid_client",
		"400/401 invalid_client (401 with WWW-Authenticate for HTTP Basic)"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			var resp *client.Response
			var err error
			if registeredAuthMethod(reg) != "private_key_jwt" {
				reg.ClientSecret = "wrong-" + framework.NewID()
				resp, err = f.TryToken(reg)
			} else { // the client authenticates with its key, whatever secret it was issued
				if reg.Software.SigningKey.Signer == nil {
					f.Skipf("a private_key_jwt client without a signing key of the harness: no credential to get wrong")
				}
				assertion, serr := joseutil.Sign(f.AssertionClaims(reg), f.RogueKey(reg.Software), "JWT")
				if serr != nil {
					f.Failf("to sign the client assertion", "%v", serr)
				}
				resp, err = f.PostToken(f.TokenForm(reg, assertion), f.Cert(reg.Software))
			}
			expectClientRefused(f, resp, err)
		})
})

var _ = framework.Describe("RFC 7591/7592: management", func() {
	framework.ConformanceIt(positive("RFC-GET-001", "read", "RFC7592-2.1, RFC7592-3-METADATA",
		"GET at registration_client_uri with the registration access token returns 200 with the client's metadata", "200 with the same client_id and metadata"),
		func(f *framework.Framework) { common.Read(f, echoed) })

	framework.ConformanceIt(positive("RFC-GET-002", "read", "RFC7592-3",
		"the read response carries registration_access_token and registration_client_uri", "200 with both members"),
		func(f *framework.Framework) {
			reg := common.Read(f, nil)
			for _, k := range []string{"registration_access_token", "registration_client_uri"} {
				if s, _ := reg.Metadata[k].(string); s == "" {
					f.Failf(k+" in the client information response (RFC7592-3: REQUIRED)", "%s absent", k)
				}
			}
		})

	framework.ConformanceIt(positive("RFC-PUT-001", "update", "RFC7592-2.2, RFC7592-3-METADATA, RFC7592-2.2-DEFAULTS",
		"PUT of the full metadata with client_id and a changed redirect URI returns 200, and a later GET shows it", "200, then GET shows the change"),
		func(f *framework.Framework) { common.Update(f, echoed) })

	framework.ConformanceIt(positive("RFC-PUT-002", "update", "RFC7592-2.2, RFC7592-A.1",
		"after an update, the registration access token the server answered (rotated or not) reads the client", "200, then GET with the current token is 200"),
		func(f *framework.Framework) {
			f.RequireUpdate()
			f.RequireRead()
			reg := f.RegisterBaseline()
			renameClient(f, reg)
			resp, err := f.ManageReg("GET", reg, "")
			f.ExpectStatus(resp, err, http.StatusOK)
		})

	framework.ConformanceIt(positive("RFC-PUT-003", "update", "RFC7592-3, RFC7591-3.2.1-SECRET-EXPIRY",
		"the update response carries registration_access_token and registration_client_uri, and client_secret_expires_at with any client_secret",
		"200 with both members, and client_secret_expires_at with a client_secret"),
		func(f *framework.Framework) {
			f.RequireUpdate()
			reg := f.RegisterBaseline()
			resp := renameClient(f, reg) // the update's status and media type are RFC-PUT-001's to judge
			body := f.SetupJSON("the update", resp)
			c := f.Verdict()
			for _, k := range []string{"registration_access_token", "registration_client_uri"} {
				if s, _ := body[k].(string); s == "" {
					c.AddFor([]string{"RFC7592-3"}, k+" in the update's client information response", "%s absent", k)
				}
			}
			if secret, _ := body["client_secret"].(string); secret != "" {
				if _, ok := body["client_secret_expires_at"].(json.Number); !ok {
					c.AddFor([]string{"RFC7591-3.2.1-SECRET-EXPIRY"}, "client_secret_expires_at, a number, with the client_secret",
						"client_secret_expires_at %v", body["client_secret_expires_at"])
				}
			}
			c.Done()
		})

	framework.ConformanceIt(positive("RFC-DEL-001", "delete", "RFC7592-2.3",
		"DELETE returns 204, and the registration access token then reads nothing (401)", "204, then 401"),
		func(f *framework.Framework) { common.Delete(f) })

	framework.ConformanceIt(negative("RFC-DEL-N05", "delete", "RFC7592-2.3, RFC6749-5.2",
		"after DELETE, the client's client_id and client_secret are refused at the token endpoint",
		"204, then 400/401 invalid_client (401 with WWW-Authenticate for HTTP Basic)"),
		func(f *framework.Framework) {
			f.RequireDelete()
			reg := f.RegisterBaseline()
			resp, err := f.ManageReg("DELETE", reg, "")
			f.SetupStatus("the DELETE of the registration", resp, err, http.StatusNoContent)
			resp, err = f.TryToken(reg)
			expectClientRefused(f, resp, err)
		})

	for _, op := range common.Operations {
		framework.ConformanceIt(negative("RFC-"+op.Part+"-N01", op.Label, "RFC6750-3",
			op.Method+" without a registration access token is 401 with a WWW-Authenticate: Bearer challenge", "401 with WWW-Authenticate: Bearer"),
			func(f *framework.Framework) {
				op.Require(f)
				reg := f.RegisterBaseline()
				victim := f.WatchVictim(reg)
				resp, err := f.ManageAt(op.Method, f.ManagementURL(reg), "", op.Body(f, reg), nil)
				f.ExpectUnauthorized(resp, err, true)
				f.ExpectVictimUnchanged(victim)
			})

		framework.ConformanceIt(negative("RFC-"+op.Part+"-N02", op.Label, "RFC7592-2",
			op.Method+" with another client's registration access token is refused", "401 or 403"),
			func(f *framework.Framework) {
				op.Require(f)
				reg := f.RegisterBaseline()
				sw := f.NewSoftware(target.SoftwareOptions{})
				other := f.Register(sw, f.BaselineClaims(sw))
				otherToken := f.ManagementToken(other)
				victim := f.WatchVictim(reg)
				resp, err := f.ManageAt(op.Method, f.ManagementURL(reg), otherToken, op.Body(f, reg), nil)
				f.ExpectStatus(resp, err, http.StatusUnauthorized, http.StatusForbidden)
				f.ExpectVictimUnchanged(victim)
			})

		framework.ConformanceIt(negative("RFC-"+op.Part+"-N03", op.Label, "RFC7592-2, RFC6750-3, RFC6750-3.1",
			op.Method+" with a registration access token the server never issued is 401 invalid_token", `401, WWW-Authenticate: Bearer error="invalid_token"`),
			func(f *framework.Framework) {
				op.Require(f)
				reg := f.RegisterBaseline()
				victim := f.WatchVictim(reg)
				resp, err := f.ManageAt(op.Method, f.ManagementURL(reg), "never-issued-"+framework.NewID(), op.Body(f, reg), nil)
				f.ExpectBearerError(resp, err, "invalid_token", http.StatusUnauthorized)
				f.ExpectVictimUnchanged(victim)
			})

		framework.ConformanceIt(negative("RFC-"+op.Part+"-N04", op.Label, "RFC7592-2, RFC7592-2-UNKNOWN",
			op.Method+" of a client that does not exist is 401", "401"),
			func(f *framework.Framework) {
				op.Require(f)
				reg := f.RegisterBaseline()
				unknown := unknownClientURI(f, reg)
				resp, err := f.ManageAt(op.Method, unknown, f.ManagementToken(reg), op.Body(f, reg), nil)
				f.ExpectStatus(resp, err, http.StatusUnauthorized)
			})
	}

	framework.ConformanceIt(negative("RFC-PUT-N05", "update", "RFC7592-2.2",
		"PUT whose client_id is not the client's cannot change the client_id: refused, or answered with the client's own",
		"400 invalid_client_metadata or invalid_request, 403, or 200 with the client_id unchanged"),
		func(f *framework.Framework) {
			f.RequireUpdate()
			reg := f.RegisterBaseline()
			body := f.UpdateBody(reg, reg.Claims)
			var obj map[string]any
			_ = json.Unmarshal([]byte(body), &obj)
			obj["client_id"] = "another-" + framework.NewID()
			b, _ := json.Marshal(obj)
			resp, err := f.ManageAt("PUT", f.ManagementURL(reg), f.ManagementToken(reg), string(b), nil)
			// RFC 7592 section 2.2 leaves the server the answer (refuse the request, or replace a value
			// of the request with its own); what it requires is that the client_id stays the client's.
			if accepted := updateRefusedOrAccepted(f, resp, err, f.Profile().Codes(framework.FaultUpdateClient)); accepted != nil {
				if id, _ := accepted["client_id"].(string); id != reg.ClientID {
					f.Failf("the client's own client_id "+reg.ClientID+" in the 200 answer (RFC7592-2.2: the client_id cannot change)",
						"client_id %q", accepted["client_id"])
				}
			}
		})

	framework.ConformanceIt(negative("RFC-PUT-N06", "update", "RFC7592-2.2-SECRET",
		"PUT cannot set a client_secret of the client's choosing: refused, or the chosen value is not the secret",
		"400 invalid_client_metadata or invalid_request, 403, or 200 where the chosen secret is not the client's"),
		func(f *framework.Framework) {
			f.RequireUpdate()
			reg := f.RegisterBaseline()
			if reg.ClientSecret == "" {
				f.Skipf("the client was issued no client_secret")
			}
			chosen := "chosen-by-the-client-" + framework.NewID()
			put, err := f.ManageAt("PUT", f.ManagementURL(reg), f.ManagementToken(reg), f.UpdateBody(reg, reg.Claims.With("client_secret", chosen)), nil)
			accepted := updateRefusedOrAccepted(f, put, err, f.Profile().Codes(framework.FaultMetadata))
			if accepted == nil {
				return
			}
			// Accepted: the server may keep the secret or issue a new one, never take the client's value
			// (RFC 7592 section 2.2). The chosen value must not authenticate, nor be answered as the secret.
			answered, _ := accepted["client_secret"].(string)
			tryChosen := *reg
			tryChosen.ClientSecret = chosen
			resp, err := f.TryToken(&tryChosen)
			f.ExpectNoTransportError(err)
			c := f.ChecksOf(resp)
			if resp.Status == http.StatusOK {
				c.Add("the client-chosen client_secret to be refused at the token endpoint (RFC7592-2.2: the client cannot choose its secret)",
					"status 200: the chosen value authenticates the client")
			}
			if answered == chosen {
				c.On(put).AddFor([]string{"RFC7591-3.2.1"}, "the update response's client_secret to be the client's registered secret, not the value the client sent (RFC7592-2.2)",
					"the response's client_secret is the value the client chose")
			}
			c.Done()
		})

	framework.ConformanceIt(negative("RFC-PUT-N07", "update", "RFC6749-3.1.2, RFC7592-2.2-ERRORS",
		"PUT with a redirect URI with a fragment is refused with invalid_redirect_uri or invalid_client_metadata", "400 invalid_redirect_uri|invalid_client_metadata"),
		func(f *framework.Framework) {
			f.RequireUpdate()
			reg := f.RegisterBaseline()
			changed := reg.Claims.With("redirect_uris", []string{reg.Software.RedirectURIs[0] + "#fragment"})
			resp, err := f.ManageAt("PUT", f.ManagementURL(reg), f.ManagementToken(reg), f.UpdateBody(reg, changed), nil)
			f.ExpectError(resp, err, []int{http.StatusBadRequest}, fragmentCodes(f)...)
		})
})

// expectClientRefused checks the token endpoint's refusal of a client's credentials (RFC 6749 section
// 5.2): 400 or 401 invalid_client; when the request carried them in the Authorization header (HTTP Basic),
// 401 with a WWW-Authenticate challenge of that header's scheme.
func expectClientRefused(f *framework.Framework, resp *client.Response, err error) {
	codes := f.Profile().Codes(framework.FaultClientAuth)
	scheme := sentAuthScheme(f)
	if scheme == "" {
		f.ExpectError(resp, err, []int{http.StatusBadRequest, http.StatusUnauthorized}, codes...)
		return
	}
	f.ExpectError(resp, err, []int{http.StatusUnauthorized}, codes...)
	if !hasChallenge(resp.Header.Values("WWW-Authenticate"), scheme) {
		c := f.Verdict()
		c.AddFor([]string{"RFC6749-5.2"}, "a WWW-Authenticate: "+scheme+" challenge with the 401 (the client authenticated with the Authorization header)",
			"WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
		c.Done()
	}
}

// sentAuthScheme is the scheme of the Authorization header of the spec's last request ("" for none).
func sentAuthScheme(f *framework.Framework) string {
	ex, ok := f.Record.Last()
	if !ok {
		return ""
	}
	for k, vs := range ex.RequestHeaders {
		if strings.EqualFold(k, "Authorization") && len(vs) > 0 {
			scheme, _, _ := strings.Cut(strings.TrimSpace(vs[0]), " ")
			return scheme
		}
	}
	return ""
}

// hasChallenge reports whether the WWW-Authenticate values hold a challenge of the scheme. A value may
// hold several challenges, each starting with its scheme (RFC 9110 section 11.6.1); a parameter's name
// can never be a scheme, since it is followed by "=".
func hasChallenge(values []string, scheme string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			first, _, _ := strings.Cut(strings.TrimSpace(part), " ")
			if strings.EqualFold(first, scheme) {
				return true
			}
		}
	}
	return false
}

// fragmentCodes are the error codes for a redirect URI with a fragment: RFC 6749 section 3.1.2 forbids
// it, and no MUST names the code, so invalid_redirect_uri and invalid_client_metadata (RFC 7591 section
// 3.2.2: "the value of one or more redirection URIs is invalid", "the value of one of the client
// metadata fields is invalid") both say it.
func fragmentCodes(f *framework.Framework) []string {
	codes := slices.Clone(f.Profile().Codes(framework.FaultRedirectURI))
	for _, c := range f.Profile().Codes(framework.FaultMetadata) {
		if !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}
	return codes
}

// registeredAuthMethod is the client's token_endpoint_auth_method as the server answered it, else as
// sent, else RFC 7591's default client_secret_basic.
func registeredAuthMethod(reg *framework.Registration) string {
	for _, md := range []map[string]any{reg.Metadata, reg.Claims} {
		if m, _ := md["token_endpoint_auth_method"].(string); m != "" {
			return m
		}
	}
	return "client_secret_basic"
}

// updateRefusedOrAccepted checks an answer to a PUT carrying a value the client may not set, where
// RFC 7592 section 2.2 leaves the server the choice: a 400 error (invalid_request, or one of codes), a
// 403, or a 200 that did not take the value. It returns the 200's client information (for the caller
// to check what the RFC requires of it), or nil for a refusal.
func updateRefusedOrAccepted(f *framework.Framework, resp *client.Response, err error, codes []string) map[string]any {
	f.ExpectNoTransportError(err)
	switch resp.Status {
	case http.StatusOK:
		return f.ExpectJSON(resp)
	case http.StatusForbidden:
		return nil
	}
	if !slices.Contains(codes, "invalid_request") {
		codes = append(slices.Clone(codes), "invalid_request")
	}
	f.ExpectRefusal(resp, err, []int{http.StatusBadRequest, http.StatusForbidden}, codes...)
	return nil
}

// unknownClientURI is reg's registration_client_uri with its client_id replaced by one that does not
// exist; the spec is skipped when the URI does not end in the client_id.
func unknownClientURI(f *framework.Framework, reg *framework.Registration) string {
	uri := f.ManagementURL(reg)
	base, found := strings.CutSuffix(uri, "/"+url.PathEscape(reg.ClientID))
	if !found {
		f.Skipf("registration_client_uri %q does not end in the client_id; no unknown client's URI can be made", uri)
	}
	return base + "/unknown-" + framework.NewID()
}

// renameClient updates reg's client_name as a set-up step: any 2xx answer will do (a status other than
// 200 is noted for RFC-PUT-001, which owns it), and its answer is returned.
func renameClient(f *framework.Framework, reg *framework.Registration) *client.Response {
	resp, err := f.ManageReg("PUT", reg, f.UpdateBody(reg, reg.Claims.With("client_name", "renamed "+reg.ClientID)))
	f.SetupStatus("the update", resp, err, http.StatusOK)
	return resp
}
