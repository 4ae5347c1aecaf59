package uk

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/suites/framework"
)

var (
	status400or401Token = []int{http.StatusBadRequest, http.StatusUnauthorized}
)

// tokenFault is a negative token spec: a client assertion or form that differs from a valid one in one way.
type tokenFault struct {
	id, req, title string
	assertion      func(f *framework.Framework, reg *framework.Registration, c framework.Claims) string
	form           func(form url.Values)
	accept         accept
}

func assertionWith(claim string, value func(f *framework.Framework, reg *framework.Registration) any) func(*framework.Framework, *framework.Registration, framework.Claims) string {
	return func(f *framework.Framework, reg *framework.Registration, c framework.Claims) string {
		return signAssertion(f, reg.Software.SigningKey, "", c.With(claim, value(f, reg)))
	}
}

// assertionWithout signs the client's assertion with claim left out.
func assertionWithout(claim string) func(*framework.Framework, *framework.Registration, framework.Claims) string {
	return func(f *framework.Framework, reg *framework.Registration, c framework.Claims) string {
		return signAssertion(f, reg.Software.SigningKey, "", c.Without(claim))
	}
}

func signAssertion(f *framework.Framework, key joseutil.Key, alg jose.SignatureAlgorithm, c framework.Claims) string {
	if alg == "" {
		alg = key.Alg
	}
	s, err := joseutil.SignAs(c, key, alg, "JWT")
	if err != nil {
		f.Failf("to sign the client assertion", "%v", err)
	}
	return s
}

var tokenFaults = []tokenFault{
	{"UK-TOK-N02", "RFC7523-3-AUD, RFC7521-5.2-AUD, RFC7523-3.2, OIDC-CORE-9-AUD", "a client assertion whose aud is not the token endpoint is refused",
		assertionWith("aud", func(*framework.Framework, *framework.Registration) any {
			return "https://another-bank.example.com/token"
		}), nil, invalidClient},
	{"UK-TOK-N13", "RFC7523-3-AUD, RFC7523-3.2", "a client assertion whose aud is another URL of the bank (its registration endpoint), neither the token endpoint nor the issuer, is refused",
		assertionWith("aud", func(f *framework.Framework, _ *framework.Registration) any {
			other := f.RegistrationEndpoint()
			if other == f.Target.Token || other == f.Target.Issuer {
				f.Skipf("the registration endpoint is the token endpoint or the issuer; no other URL of the bank is known")
			}
			return other
		}), nil, invalidClient},
	{"UK-TOK-N03", "RFC7523-3-EXP, RFC7521-5.2-EXP, RFC7523-3.2, OIDC-CORE-9-EXP", "an expired client assertion is refused",
		assertionWith("exp", func(*framework.Framework, *framework.Registration) any {
			return time.Now().Add(-5 * time.Minute).Unix()
		}), nil, invalidClient},
	{"UK-TOK-N04", "RFC7523-3-SUB, RFC7521-5.2-SUB, RFC7523-3.2, OIDC-CORE-9-SUB", "a client assertion whose sub is not its iss (the client_id) is refused",
		assertionWith("sub", func(*framework.Framework, *framework.Registration) any { return "another-client" }), nil, invalidClient},
	{"UK-TOK-N06", "RFC7523-3-SIGNED, RFC7521-5.2-SIGNED, RFC7523-3.2", "a client assertion signed by a key not in the software's key set is refused",
		func(f *framework.Framework, reg *framework.Registration, c framework.Claims) string {
			return signAssertion(f, f.RogueKey(reg.Software), "", c)
		}, nil, invalidClient},
	{"UK-TOK-N07", "OIDC-CORE-9, RFC7523-3", "a client assertion signed with an alg other than the registered token_endpoint_auth_signing_alg is refused",
		func(f *framework.Framework, reg *framework.Registration, c framework.Claims) string {
			if reg.Software.SigningKey.Alg != jose.PS256 {
				f.Skipf("the software's key is not RSA; no second alg to try")
			}
			return signAssertion(f, reg.Software.SigningKey, jose.RS256, c)
		}, nil, invalidClient},
	{"UK-TOK-N11", "RFC7523-3-ISS, RFC7521-5.2-ISS, RFC7523-3.2, FAPI1-BASE-5.2.2-19, OIDC-CORE-9-ISS", "a client assertion whose iss is not the client_id (sent as client_id) is refused",
		assertionWith("iss", func(*framework.Framework, *framework.Registration) any { return "another-client" }), nil, invalidClient},
	{"UK-TOK-N12", "RFC7523-3-VALID, RFC7523-3.2", "a client_assertion that is not a JWT is refused with invalid_client",
		func(*framework.Framework, *framework.Registration, framework.Claims) string { return "not-a-jwt" }, nil, invalidClient},
	{"UK-TOK-N18", "RFC7521-4.2-CLIENT-ID, RFC7523-3-SUB", "a token request whose client_id is not the client its assertion's iss and sub name is refused",
		nil, func(form url.Values) { form.Set("client_id", "another-client-"+framework.NewID()) }, invalidClient.plus("invalid_request")},
	{"UK-TOK-N30", "FAPI1-BASE-5.2.2-19", "a token request whose client_id is not the client its assertion names is refused with invalid_client, as FAPI requires",
		nil, func(form url.Values) { form.Set("client_id", "another-client-"+framework.NewID()) }, invalidClient},
	{"UK-TOK-N08", "RFC7521-4.2, RFC7523-2.2", "a token request without client_assertion_type is refused",
		nil, func(form url.Values) { form.Del("client_assertion_type") }, invalidClient.plus("invalid_request")},
	{"UK-TOK-N19", "RFC7523-3-EXP-CLAIM, RFC7521-5.2-EXP, RFC7523-3.2, OIDC-CORE-9-EXP-CLAIM", "a client assertion without exp is refused",
		assertionWithout("exp"), nil, invalidClient},
	{"UK-TOK-N26", "OIDC-CORE-9-CLAIMS, RFC7523-3-SUB, RFC7523-3.2", "a client assertion without sub is refused",
		assertionWithout("sub"), nil, invalidClient},
	{"UK-TOK-N27", "OIDC-CORE-9-CLAIMS, RFC7523-3-AUD, RFC7523-3.2", "a client assertion without aud is refused",
		assertionWithout("aud"), nil, invalidClient},
	{"UK-TOK-N28", "OIDC-CORE-9-CLAIMS, RFC7523-3.2", "a client assertion without jti is refused (OpenID Connect Core 9 makes it REQUIRED for private_key_jwt)",
		assertionWithout("jti"), nil, invalidClient},
	{"UK-TOK-N20", "RFC7523-3-NBF, RFC7523-3.2", "a client assertion whose nbf is 10 minutes ahead (beyond any clock skew) is refused",
		func(f *framework.Framework, reg *framework.Registration, c framework.Claims) string {
			now := time.Now()
			return signAssertion(f, reg.Software.SigningKey, "", c.With("nbf", now.Add(10*time.Minute).Unix()).With("exp", now.Add(15*time.Minute).Unix()))
		}, nil, invalidClient},
	{"UK-TOK-N21", "RFC7521-4.2.1", "a token request carrying a client_secret beside its client assertion (two authentication mechanisms) is refused",
		nil, func(form url.Values) { form.Set("client_secret", "secret-"+framework.NewID()) }, invalidClient.plus("invalid_request")},
	{"UK-TOK-N25", "RFC7523-3-ISS-COMPARE, RFC7521-5.1-ISSUER, RFC7523-3.2", "a client assertion whose iss is the client_id in other letter case is refused (issuers are compared as simple strings)",
		assertionWith("iss", func(f *framework.Framework, reg *framework.Registration) any {
			other := swapCase(reg.ClientID)
			if other == reg.ClientID {
				f.Skipf("inconclusive: the client_id %q has no letters whose case could differ", reg.ClientID)
			}
			return other
		}), nil, invalidClient},
	{"UK-TOK-N22", "RFC6749-2.3.2-MAPPING", "a private_key_jwt client that sends no client assertion, only its transport certificate (tls_client_auth's way), is refused",
		nil, func(form url.Values) { form.Del("client_assertion"); form.Del("client_assertion_type") }, invalidClient.plus("invalid_request")},
}

var _ = framework.Describe("UK OBIE DCR 3.3: token", func() {
	framework.ConformanceIt(positive("UK-TOK-001", "token", "RFC7523-2.2, RFC6749-5.1, RFC6749-5.1-EXPIRES-IN, RFC6749-5.1-NO-STORE, OBIE-DCR-3.3-JWKS-FROM-SSA",
		"client_credentials with a private_key_jwt client assertion issues an access token", "200 with access_token"),
		func(f *framework.Framework) {
			f.ExpectAccessToken(f.RegisterBaseline())
		})

	framework.ConformanceIt(positive("UK-TOK-003", "token", "OIDC-CORE-9-IGNORE",
		"a client assertion carrying a claim no specification defines gets a token: claims not understood are ignored", "200 with access_token"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			assertion := signAssertion(f, reg.Software.SigningKey, "", f.AssertionClaims(reg).With("x_dcrconform_unknown", "ignored"))
			resp, err := f.PostToken(f.TokenForm(reg, assertion), reg.Software.Transport)
			f.ExpectNoTransportError(err)
			if resp.Status != http.StatusOK {
				f.AccessToken(reg) // set-up: the same assertion without the claim gets a token, or this refusal proves nothing
				c := f.Verdict().On(resp)
				c.Add("a token, the unknown claim x_dcrconform_unknown ignored", "%s: %s", resp.StatusText(), resp.Excerpt(200))
				c.Done()
			}
		})

	framework.ConformanceIt(positive("UK-TOK-002", "token", "RFC8705-2.1, RFC6749-5.1, RFC6749-5.1-EXPIRES-IN, RFC6749-5.1-NO-STORE",
		"a tls_client_auth client gets a token with its own certificate", "200 with access_token"),
		func(f *framework.Framework) {
			f.ExpectAccessToken(registerTLSClientAuth(f, false))
		})

	for _, fault := range tokenFaults {
		framework.ConformanceIt(negative(fault.id, "token", fault.req, fault.title, fault.accept.expectText(status400or401Token)),
			func(f *framework.Framework) {
				reg := f.RegisterBaseline()
				assertion := signAssertion(f, reg.Software.SigningKey, "", f.AssertionClaims(reg))
				if fault.assertion != nil {
					assertion = fault.assertion(f, reg, f.AssertionClaims(reg))
				}
				form := f.TokenForm(reg, assertion)
				if fault.form != nil {
					fault.form(form)
				}
				resp, err := f.PostToken(form, reg.Software.Transport)
				f.ExpectError(resp, err, status400or401Token, fault.accept.codes(f)...)
			})
	}

	framework.ConformanceIt(negative("UK-TOK-N05", "token", "RFC7523-3-JTI",
		"a replayed client assertion (same jti) is refused", "400/401 invalid_client|invalid_grant"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			form := f.TokenForm(reg, signAssertion(f, reg.Software.SigningKey, "", f.AssertionClaims(reg)))
			resp, err := f.PostToken(form, reg.Software.Transport)
			f.SetupStatus("the first use of the client assertion", resp, err, http.StatusOK)
			resp, err = f.PostToken(form, reg.Software.Transport)
			f.ExpectError(resp, err, status400or401Token, invalidClient.plus("invalid_grant").codes(f)...)
		})

	framework.ConformanceIt(negative("UK-TOK-N01", "token", "OBIE-DCR-3.3-DELETE, RFC7592-2.3",
		"a token request for a deleted client is refused", "400/401 invalid_client"),
		func(f *framework.Framework) {
			f.RequireDelete()
			reg := f.RegisterBaseline()
			resp, err := f.Manage("DELETE", reg.ClientID, f.AccessToken(reg), "", reg.Software.Transport)
			f.SetupStatus("the DELETE of the registration", resp, err, http.StatusNoContent)
			resp, err = f.TryToken(reg)
			f.ExpectError(resp, err, status400or401Token, invalidClient.codes(f)...)
		})

	framework.ConformanceIt(negative("UK-TOK-N09", "token", "RFC8705-2.1.2, RFC8705-2",
		"a tls_client_auth client presenting another software's certificate is refused", "400/401 invalid_client"),
		func(f *framework.Framework) {
			reg := registerTLSClientAuth(f, false)
			other := f.NewSoftware(target.SoftwareOptions{KeyType: "EC"})
			form := url.Values{"grant_type": {"client_credentials"}, "scope": {f.Scope()}, "client_id": {reg.ClientID}}
			resp, err := f.PostToken(form, other.Transport)
			f.ExpectError(resp, err, status400or401Token, invalidClient.codes(f)...)
		})

	framework.ConformanceIt(negative("UK-TOK-N75", "token", "RFC8705-2-MTLS, RFC8705-2",
		"a token request of a tls_client_auth client sent without a client certificate is refused", "TLS handshake refused or 400/401/403"),
		func(f *framework.Framework) {
			f.RequireMTLS()
			reg := registerTLSClientAuth(f, false)
			form := url.Values{"grant_type": {"client_credentials"}, "scope": {f.Scope()}, "client_id": {reg.ClientID}}
			resp, err := f.PostToken(form, nil)
			f.ExpectRefusedWithoutCertificate(resp, err)
		})

	framework.ConformanceIt(negative("UK-TOK-N10", "token", "RFC8705-3, FAPI1-ADV-5.2.2-5, FAPI1-ADV-5.2.2-6",
		"a certificate-bound access token presented with another certificate is refused", `401 with a Bearer challenge error="invalid_token"`),
		func(f *framework.Framework) {
			f.RequireRead()
			sw := f.Software()
			reg := f.Register(sw, f.BaselineClaims(sw).With("tls_client_certificate_bound_access_tokens", true))
			if !boundTokensPromised(f, reg) {
				f.Skipf("neither discovery nor the registration answer says access tokens are certificate-bound, and target.fapi is not set: RFC 8705 section 3 binding is opt-in outside FAPI")
			}
			tok := f.AccessToken(reg)
			other := f.NewSoftware(target.SoftwareOptions{KeyType: "EC"})
			resp, err := f.Manage("GET", reg.ClientID, tok, "", other.Transport)
			f.ExpectStatus(resp, err, http.StatusUnauthorized)
			// RFC 8705 section 3 makes RFC 6750's error code a MUST here: "using an HTTP 401 status code and
			// the invalid_token error code", which RFC 6750 section 3 carries in the challenge.
			if challenge := resp.Header.Get("WWW-Authenticate"); !invalidTokenChallenge.MatchString(challenge) {
				c := f.Verdict().On(resp)
				c.AddFor([]string{"RFC8705-3"}, `a WWW-Authenticate: Bearer challenge with error="invalid_token"`, "WWW-Authenticate %q", challenge)
				c.Done()
			}
		})
})

// invalidTokenChallenge matches an RFC 6750 section 3 Bearer challenge whose error attribute is invalid_token.
var invalidTokenChallenge = regexp.MustCompile(`(?i)^bearer\b.*(^|[\s,])error\s*=\s*"?invalid_token"?(\s*,|\s*$)`)

// boundTokensPromised reports whether the bank must bind reg's access tokens to its certificate: discovery
// or the registration answer says tls_client_certificate_bound_access_tokens is true (RFC 8705 section 3.3
// and 3.4), or the target is configured as FAPI (which requires binding).
func boundTokensPromised(f *framework.Framework, reg *framework.Registration) bool {
	const member = "tls_client_certificate_bound_access_tokens"
	advertised, _ := f.Discovery()[member].(bool)
	answered, _ := reg.Metadata[member].(bool)
	return f.Target.FAPI || advertised || answered
}

// registerTLSClientAuth registers the spec's software for tls_client_auth with its certificate's subject,
// and is a token-request helper that sends no assertion. own: the registration being accepted is the
// spec's own check (else a set-up step).
func registerTLSClientAuth(f *framework.Framework, own bool) *framework.Registration {
	if !f.Advertised("token_endpoint_auth_methods_supported", "tls_client_auth") {
		f.Skipf("the bank does not advertise tls_client_auth")
	}
	sw := f.Software()
	register := f.Register
	if own {
		register = f.RegisterAccepted
	}
	reg := register(sw, f.BaselineClaims(sw).Without("token_endpoint_auth_signing_alg").
		With("token_endpoint_auth_method", "tls_client_auth").
		With(dnMember(f), f.SubjectDN(sw.Transport.Leaf)))
	reg.TLSClientAuth = true
	return reg
}

// swapCase turns each ASCII letter of s to the other case.
func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return r
	}, s)
}
