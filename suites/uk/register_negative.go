package uk

import (
	"crypto/tls"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/mockdirectory"
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// request is a registration request as sent: body, content type and the client certificate presented.
type request struct {
	body        string
	contentType string
	cert        *tls.Certificate
}

// registrationFault is a negative registration spec: a request that differs from the valid baseline in
// exactly one way, and the refusal it must get.
type registrationFault struct {
	id, req, title string
	build          func(f *framework.Framework, sw *target.Software, base framework.Claims) request
	statuses       []int
	accept         accept
}

var (
	status400      = []int{http.StatusBadRequest}
	status400or415 = []int{http.StatusBadRequest, http.StatusUnsupportedMediaType}
	status400or413 = []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge}
	status400or401 = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden}
)

// signed is the baseline request shape: claims signed with sw's key, as application/jwt, with sw's certificate.
func signed(f *framework.Framework, sw *target.Software, c framework.Claims) request {
	return request{f.Sign(sw, c), f.ContentType(), f.Cert(sw)}
}

// claimsChange builds a fault that changes only the claims.
func claimsChange(change func(f *framework.Framework, sw *target.Software, c framework.Claims) framework.Claims) func(*framework.Framework, *target.Software, framework.Claims) request {
	return func(f *framework.Framework, sw *target.Software, base framework.Claims) request {
		return signed(f, sw, change(f, sw, base))
	}
}

func without(claim string) func(*framework.Framework, *target.Software, framework.Claims) request {
	return claimsChange(func(_ *framework.Framework, _ *target.Software, c framework.Claims) framework.Claims {
		return c.Without(claim)
	})
}

func with(claim string, value any) func(*framework.Framework, *target.Software, framework.Claims) request {
	return claimsChange(func(_ *framework.Framework, _ *target.Software, c framework.Claims) framework.Claims {
		return c.With(claim, value)
	})
}

// withTime sets a time claim to now plus offset, now being when the spec runs.
func withTime(claim string, offset time.Duration) func(*framework.Framework, *target.Software, framework.Claims) request {
	return claimsChange(func(_ *framework.Framework, _ *target.Software, c framework.Claims) framework.Claims {
		return c.With(claim, time.Now().Add(offset).Unix())
	})
}

// withSSA replaces the SSA with one the directory minted as opts asks.
func withSSA(opts mockdirectory.SSAOptions) func(*framework.Framework, *target.Software, framework.Claims) request {
	return claimsChange(func(f *framework.Framework, sw *target.Software, c framework.Claims) framework.Claims {
		return c.With("software_statement", f.SSA(sw, opts))
	})
}

// signedAs signs the baseline with a header or key that differs from the registered one.
func signedAs(sign func(f *framework.Framework, sw *target.Software, c framework.Claims) (string, error)) func(*framework.Framework, *target.Software, framework.Claims) request {
	return func(f *framework.Framework, sw *target.Software, c framework.Claims) request {
		body, err := sign(f, sw, c)
		if err != nil {
			f.Failf("to sign the request", "%v", err)
		}
		return request{body, f.ContentType(), f.Cert(sw)}
	}
}

var registrationFaults = []registrationFault{
	{"UK-REG-N01", "RFC7591-3.2.2-SSA, OBIE-DCR-3.3-SSA-SIGNATURE", "an SSA with a bad signature is refused",
		withSSA(mockdirectory.SSAOptions{Break: mockdirectory.BreakBadSignature}), status400, badSSA},
	{"UK-REG-N02", "RFC7519-4.1.4, OBIE-DCR-3.3-CLAIMS-EXP", "an expired registration request JWT is refused",
		withTime("exp", -10*time.Minute), status400, badMetadata},
	{"UK-REG-N03", "RFC7591-3.2.2-REDIRECT, OBIE-DCR-3.3-REDIRECT-SSA", "a redirect URI that is not among the SSA's software_redirect_uris is refused",
		with("redirect_uris", []string{"https://attacker.example/cb"}), status400, badRedirect},
	{"UK-REG-N04", "OBIE-DCR-3.3-REQUEST-SIGNATURE", "a request JWT signed by a key not in the software's key set is refused",
		signedAs(func(f *framework.Framework, sw *target.Software, c framework.Claims) (string, error) {
			return joseutil.Sign(c, f.RogueKey(sw), "JWT")
		}), status400, badMetadata},
	{"UK-REG-N60", "OBIE-DCR-3.3-REQUEST-SIGNATURE", "a request JWT signed by another software of the same organisation (a key of the organisation's key set, not of the software's) is refused",
		signedAs(func(f *framework.Framework, sw *target.Software, c framework.Claims) (string, error) {
			sibling := f.NewSoftware(target.SoftwareOptions{SiblingOf: sw})
			return joseutil.Sign(c, sibling.SigningKey, "JWT")
		}), status400, badMetadata},
	{"UK-REG-N05", "RFC7515-4.1.1, OBIE-DCR-3.3-ALGS, FAPI1-ADV-8.6-NONE", "a request JWT with alg none is refused",
		signedAs(func(_ *framework.Framework, sw *target.Software, c framework.Claims) (string, error) {
			return joseutil.SignNone(c, sw.SigningKey.KeyID)
		}), status400, badMetadata},
	{"UK-REG-N06", "OBIE-DCR-3.3-ALGS, FAPI1-ADV-8.6", "a request JWT signed with HS256 (keyed with the public key) is refused",
		signedAs(func(_ *framework.Framework, sw *target.Software, c framework.Claims) (string, error) {
			pub, err := json.Marshal(sw.SigningKey.PublicJWK())
			if err != nil {
				return "", err
			}
			return joseutil.SignHS256(c, sw.SigningKey.KeyID, pub)
		}), status400, badMetadata},
	{"UK-REG-N07", "OBIE-DCR-3.3-ALGS, FAPI1-ADV-8.6, FAPI1-ADV-8.6-RS256, RFC7519-7.2-ALG", "a request JWT signed with RS256, which UK DCR does not allow, is refused",
		signedAs(func(f *framework.Framework, sw *target.Software, c framework.Claims) (string, error) {
			if sw.SigningKey.Alg != jose.PS256 {
				f.Skipf("the software's key is not RSA, so RS256 cannot be tried")
			}
			return joseutil.SignAs(c, sw.SigningKey, jose.RS256, "JWT")
		}), status400, badMetadata},
	{"UK-REG-N08", "RFC7519-4.1.6-AGE", "a request JWT issued in the future is refused (the bank's choice: no UK text obliges it)",
		withTime("iat", time.Hour), status400, badMetadata},
	{"UK-REG-N71", "RFC7519-4.1.5", "a request JWT not valid before an hour from now (nbf) is refused",
		withTime("nbf", time.Hour), status400, badMetadata},
	{"UK-REG-N09", "OBIE-DCR-3.3-CLAIMS-ISS", "a request JWT without iss is refused", without("iss"), status400, badMetadata},
	{"UK-REG-N10", "OBIE-DCR-3.3-CLAIMS-AUD", "a request JWT without aud is refused", without("aud"), status400, badMetadata},
	{"UK-REG-N11", "OBIE-DCR-3.3-CLAIMS-IAT", "a request JWT without iat is refused", without("iat"), status400, badMetadata},
	{"UK-REG-N12", "OBIE-DCR-3.3-CLAIMS-EXP", "a request JWT without exp is refused", without("exp"), status400, badMetadata},
	{"UK-REG-N13", "OBIE-DCR-3.3-CLAIMS-JTI", "a request JWT without jti is refused", without("jti"), status400, badMetadata},
	{"UK-REG-N14", "RFC7519-4.1.3, OBIE-DCR-3.3-CLAIMS-AUD", "a request JWT whose aud is not the bank is refused",
		with("aud", "https://another-bank.example.com"), status400, badMetadata},
	{"UK-REG-N15", "OBIE-DCR-3.3-CLAIMS-ISS", "a request JWT whose iss is not the SSA's software_id is refused",
		with("iss", "not-the-software-id"), status400, badMetadata},
	{"UK-REG-N17", "RFC7591-3.2.2-SSA, OBIE-DCR-3.3-SSA-SIGNATURE", "an SSA signed by a key the directory never published is refused",
		withSSA(mockdirectory.SSAOptions{Break: mockdirectory.BreakUnpublishedKey}), status400, badSSA},
	{"UK-REG-N18", "RFC7591-3.2.2-SSA, OBIE-DCR-3.3-SSA-VALIDITY", "an expired SSA is refused",
		withSSA(mockdirectory.SSAOptions{Break: mockdirectory.BreakExpired}), status400, badSSA},
	{"UK-REG-N19", "RFC7591-3.2.2-SSA, OBIE-DCR-3.3-SSA-VALIDITY", "an SSA issued in the future is refused",
		withSSA(mockdirectory.SSAOptions{Break: mockdirectory.BreakFuture}), status400, badSSA},
	{"UK-REG-N20", "RFC7591-3.2.2-SSA, OBIE-DCR-3.3-SSA-SIGNATURE", "an SSA with alg none is refused",
		withSSA(mockdirectory.SSAOptions{Break: mockdirectory.BreakAlgNone}), status400, badSSA},
	{"UK-REG-N21", "RFC7591-3.2.2-SSA, OBIE-DCR-3.3-SSA-ISSUER", "an SSA from an issuer other than the directory is refused",
		withSSA(mockdirectory.SSAOptions{Break: mockdirectory.BreakWrongIssuer}), status400, unapprovedSSA},
	{"UK-REG-N46", "RFC7591-3.2.2-SSA, OBIE-DCR-3.3-SSA-SIGNATURE", "an SSA signed by the software's own key instead of the directory's is refused",
		claimsChange(func(f *framework.Framework, sw *target.Software, c framework.Claims) framework.Claims {
			return c.With("software_statement", common.SelfSignedSSA(f, sw))
		}), status400, badSSA},
	{"UK-REG-N22", "OBIE-DCR-3.3-SSA-CLAIMS, RFC7591-3.2.2-SSA", "an SSA without software_jwks_endpoint is refused",
		withSSA(mockdirectory.SSAOptions{Remove: []string{"software_jwks_endpoint"}}), status400, badSSA},
	{"UK-REG-N25", "RFC7591-3.2.2-SSA, OBIE-DCR-3.3-SSA-SIGNATURE", "an SSA signed with HS256 keyed with the directory's public key is refused",
		withSSA(mockdirectory.SSAOptions{Break: mockdirectory.BreakHS256}), status400, badSSA},
	{"UK-REG-N26", "OBIE-DCR-3.3-REDIRECT-SSA, RFC7591-2, FAPI1-BASE-5.2.2-20", "a non-https redirect URI is refused, even when the SSA lists it",
		func(f *framework.Framework, sw *target.Software, base framework.Claims) request {
			insecure := "http://tpp.example.com/insecure"
			ssa := f.SSA(sw, mockdirectory.SSAOptions{Set: map[string]any{"software_redirect_uris": append([]string{insecure}, sw.RedirectURIs...)}})
			return signed(f, sw, base.With("software_statement", ssa).With("redirect_uris", []string{insecure}))
		}, status400, badRedirectOrMD},
	{"UK-REG-N62", "OBIE-DCR-3.3-REDIRECT-LOCALHOST, RFC7591-3.2.2-REDIRECT", "an https redirect URI on the host localhost is refused, even when the SSA lists it",
		func(f *framework.Framework, sw *target.Software, base framework.Claims) request {
			local := "https://localhost/callback"
			ssa := f.SSA(sw, mockdirectory.SSAOptions{Set: map[string]any{"software_redirect_uris": append([]string{local}, sw.RedirectURIs...)}})
			return signed(f, sw, base.With("software_statement", ssa).With("redirect_uris", []string{local}))
		}, status400, badRedirectOrMD},
	{"UK-REG-N27", "OBIE-DCR-3.3-AUTH-METHOD, RFC7591-2, FAPI1-ADV-5.2.2-14", "an unsupported token_endpoint_auth_method is refused",
		claimsChange(func(f *framework.Framework, _ *target.Software, c framework.Claims) framework.Claims {
			if f.Discovery() == nil {
				f.Skipf("no discovery document says which token_endpoint_auth_methods the bank supports")
			}
			for _, m := range []string{"client_secret_basic", "client_secret_post", "client_secret_jwt", "none"} {
				if !f.Advertised("token_endpoint_auth_methods_supported", m) {
					return c.With("token_endpoint_auth_method", m)
				}
			}
			f.Skipf("the bank advertises every token_endpoint_auth_method this spec could use")
			return c
		}), status400, badMetadata},
	{"UK-REG-N28", "OBIE-DCR-3.3-AUTH-SIGNING-ALG", "private_key_jwt without token_endpoint_auth_signing_alg is refused",
		without("token_endpoint_auth_signing_alg"), status400, badMetadata},
	{"UK-REG-N32", "OBIE-DCR-3.3-SCOPE", "a scope beyond the software's roles is refused",
		claimsChange(func(f *framework.Framework, sw *target.Software, c framework.Claims) framework.Claims {
			switch {
			case len(sw.Roles) == 0:
				f.Skipf("the software's roles are not known to the harness (a configured SSA); no scope can be known to lie beyond them")
			case slices.Contains(sw.Roles, "CBPII"):
				f.Skipf("the software holds every role; no scope lies beyond them")
			}
			return c.With("scope", strings.TrimSpace(f.Scope()+" fundsconfirmations"))
		}), status400, badMetadata},
	{"UK-REG-N34", "RFC7515-7.1, RFC7519-7.2, OBIE-DCR-3.3-ERRORS", "a body that is not a JWT is refused",
		func(f *framework.Framework, sw *target.Software, _ framework.Claims) request {
			return request{"this.is-not.a-jwt!", f.ContentType(), f.Cert(sw)}
		}, status400, badBody},
	{"UK-REG-N35", "OBIE-DCR-3.3-CONTENT-TYPE", "a JSON body where a signed JWT is required is refused",
		func(f *framework.Framework, sw *target.Software, base framework.Claims) request {
			b, _ := json.Marshal(base)
			return request{string(b), "application/json", f.Cert(sw)}
		}, status400or415, badBody},
	{"UK-REG-N36", "OBIE-DCR-3.3-CONTENT-TYPE", "a signed JWT sent with Content-Type text/plain is refused",
		func(f *framework.Framework, sw *target.Software, base framework.Claims) request {
			return request{f.Sign(sw, base), "text/plain", f.Cert(sw)}
		}, status400or415, badBody},
	{"UK-REG-N37", "RFC7591-3.2.2, OBIE-DCR-3.3-ERRORS", "an empty body is refused",
		func(f *framework.Framework, sw *target.Software, _ framework.Claims) request {
			return request{"", f.ContentType(), f.Cert(sw)}
		}, status400, badBody},
	{"UK-REG-N38", "OBIE-DCR-3.3-SIZE", "an oversized (1 MiB) request is refused",
		claimsChange(func(_ *framework.Framework, _ *target.Software, c framework.Claims) framework.Claims {
			return c.With("client_name", strings.Repeat("x", 1<<20))
		}), status400or413, badBody},
	{"UK-REG-N40", "OBD-TPP-CERT", "a registration presenting another software's transport certificate is refused",
		func(f *framework.Framework, sw *target.Software, base framework.Claims) request {
			other := f.NewSoftware(target.SoftwareOptions{KeyType: "EC"})
			return request{f.Sign(sw, base), f.ContentType(), other.Transport}
		}, status400or401, otherSoftware},
	{"UK-REG-N51", "OBIE-DCR-3.3-JWKS-NO-EMBEDDED-KEY, OBIE-DCR-3.3-REQUEST-SIGNATURE", "a request JWT signed by a key outside the software's key set, that key embedded in its header (jwk), is refused",
		signedAs(func(f *framework.Framework, sw *target.Software, c framework.Claims) (string, error) {
			return joseutil.SignEmbeddingJWK(c, f.RogueKey(sw), "JWT")
		}), status400, badMetadata},
	{"UK-REG-N52", "OBIE-DCR-3.3-JWKS-NO-EMBEDDED-URL, OBIE-DCR-3.3-REQUEST-SIGNATURE", "a request JWT signed by another software's key, its header naming (jku) that software's key set, is refused",
		signedAs(func(f *framework.Framework, sw *target.Software, c framework.Claims) (string, error) {
			other := f.NewSoftware(target.SoftwareOptions{KeyType: "EC", OwnKeys: true})
			_, ssa, err := joseutil.Decode(f.SSA(other, mockdirectory.SSAOptions{}))
			jku, _ := ssa["software_jwks_endpoint"].(string)
			if err != nil || jku == "" {
				f.Skipf("the other software's SSA names no software_jwks_endpoint to put in the header")
			}
			return joseutil.SignWithHeaders(c, other.SigningKey, "JWT", map[string]any{"jku": jku})
		}), status400, badMetadata},
	{"UK-REG-N54", "RFC7515-4.1.11", "a request JWT whose crit header names an extension no bank understands is refused",
		signedAs(func(_ *framework.Framework, sw *target.Software, c framework.Claims) (string, error) {
			const extension = "urn:dcrconform:unknown-extension"
			return joseutil.SignWithHeaders(c, sw.SigningKey, "JWT", map[string]any{"crit": []string{extension}, extension: true})
		}), status400, badMetadata},
	{"UK-REG-N72", "RFC7515-4.1.6, OBIE-DCR-3.3-REQUEST-SIGNATURE", "a request JWT signed by a key outside the software's key set, that key's certificate from a CA the bank does not trust in its header (x5c), is refused",
		signedAs(signedWithUntrustedX5C), status400, badMetadata},
	{"UK-REG-N43", "OBIE-DCR-3.3-REDIRECT-SSA, RFC7591-3.2.2-REDIRECT", "a redirect URI that only extends one of the SSA's (prefix match) is refused",
		claimsChange(func(_ *framework.Framework, sw *target.Software, c framework.Claims) framework.Claims {
			return c.With("redirect_uris", []string{sw.RedirectURIs[0] + "/attacker"})
		}), status400, badRedirect},
}

var _ = framework.Describe("UK OBIE DCR 3.3: registration refused", func() {
	for _, fault := range registrationFaults {
		expect := fault.accept.expectText(fault.statuses)
		framework.ConformanceIt(negative(fault.id, "register", fault.req, fault.title, expect), func(f *framework.Framework) {
			sw := f.Software()
			r := fault.build(f, sw, f.BaselineClaims(sw))
			resp, err := f.PostRegistration(sw, r.body, r.contentType, r.cert)
			f.ExpectRefusal(resp, err, fault.statuses, fault.accept.codes(f)...)
		})
	}
})

var _ = framework.Describe("UK OBIE DCR 3.3: registration refused or corrected", func() {
	framework.ConformanceIt(negative("UK-REG-N42", "register", "OBIE-DCR-3.3-SOFTWARE-ID, RFC7591-3.1.1",
		"a request whose software_id is not the SSA's is refused, or registered with the SSA's software_id",
		"400 invalid_client_metadata|invalid_software_statement, or 201 with the SSA's software_id"),
		func(f *framework.Framework) {
			sw := f.Software()
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw).With("software_id", "8b1b2c5e-0000-4000-8000-000000000000"))
			if err == nil && resp.Status == http.StatusCreated {
				if got := f.ExpectJSON(resp)["software_id"]; got != sw.ID {
					f.Failf("the conflicting software_id refused, or the SSA's "+sw.ID+" registered (RFC7591-3.1.1)", "201 with software_id %v", got)
				}
				return
			}
			f.ExpectRefusal(resp, err, status400, badMetadataOrSSA.codes(f)...)
		})

	framework.ConformanceIt(negative("UK-REG-N44", "register", "OBIE-DCR-3.3-ID-TOKEN-ALG, RFC7591-2",
		"an id_token_signed_response_alg of RS256 is refused, or registered as PS256 or ES256",
		"400 invalid_client_metadata, or 201 with PS256/ES256"),
		func(f *framework.Framework) {
			sw := f.Software()
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw).With("id_token_signed_response_alg", "RS256"))
			if err == nil && resp.Status == http.StatusCreated {
				got := f.ExpectJSON(resp)["id_token_signed_response_alg"]
				if got != "PS256" && got != "ES256" {
					f.Failf("RS256 refused, or replaced by PS256 or ES256 (OBIE-DCR-3.3-ID-TOKEN-ALG)", "201 with id_token_signed_response_alg %v", got)
				}
				return
			}
			f.ExpectRefusal(resp, err, status400, badMetadata.codes(f)...)
		})

	for _, alg := range []struct{ id, requirement, alg string }{
		{"UK-REG-N53", "OBIE-DCR-3.3-ALGS, FAPI1-ADV-8.6", "RS256"},
		{"UK-REG-N66", "OIDC-CORE-REG-2-NONE, OBIE-DCR-3.3-ALGS", "none"},
	} {
		framework.ConformanceIt(negative(alg.id, "register", alg.requirement,
			"a token_endpoint_auth_signing_alg of "+alg.alg+" is refused, or registered as PS256 or ES256",
			"400 invalid_client_metadata, or 201 with PS256/ES256"),
			func(f *framework.Framework) {
				sw := f.Software()
				resp, err := f.TryRegister(sw, f.BaselineClaims(sw).With("token_endpoint_auth_signing_alg", alg.alg))
				if err == nil && resp.Status == http.StatusCreated {
					expectFAPIAlg(f, alg.alg, f.ExpectJSON(resp)["token_endpoint_auth_signing_alg"], "201")
					return
				}
				f.ExpectRefusal(resp, err, status400, badMetadata.codes(f)...)
			})
	}

	// RFC 8705 section 2.1.2 and OBIE let the bank compare the subject DN with the certificate at
	// registration or at the token endpoint: a client with a wrong DN must never get a token with it.
	framework.ConformanceIt(negative("UK-REG-N41", "register", "RFC8705-2.1.2, OBIE-DCR-3.3-TLS-DN",
		"tls_client_auth with a tls_client_auth_subject_dn that is not the certificate's is refused at registration, or the token endpoint refuses that certificate",
		"400 invalid_client_metadata, or 201 and then the token request 400/401 invalid_client"),
		func(f *framework.Framework) {
			sw := f.Software()
			claims := f.BaselineClaims(sw).Without("token_endpoint_auth_signing_alg").With("token_endpoint_auth_method", "tls_client_auth").
				With(dnMember(f), "CN=someone-else,OU=0015800001ZZZZZZZZ,O=OpenBanking,C=GB")
			resp, err := f.TryRegister(sw, claims)
			if err == nil && (resp.Status == http.StatusCreated || resp.Status == http.StatusOK) {
				id, _ := f.ExpectJSON(resp)["client_id"].(string)
				if id == "" {
					f.Failf("the wrong subject DN refused, or a client_id in the 201 body (RFC7591-3.2.1)", "none in %s", resp.Excerpt(200))
				}
				reg := &framework.Registration{ClientID: id, Software: sw, Claims: claims, TLSClientAuth: true}
				resp, err = f.TryToken(reg)
				f.ExpectError(resp, err, status400or401Token, invalidClient.codes(f)...)
				return
			}
			f.ExpectRefusal(resp, err, status400, badMetadata.codes(f)...)
		})
})

// signedWithUntrustedX5C signs c with a key outside sw's key set and puts that key's certificate, issued by a
// CA of the spec's own, in the JOSE header as x5c with its issuer (RFC 7515 section 4.1.6): a bank that takes
// the key must first validate the chain, which cannot end at a trust anchor of the bank's.
func signedWithUntrustedX5C(f *framework.Framework, sw *target.Software, c framework.Claims) (string, error) {
	rogue := f.RogueKey(sw)
	ca, err := pki.NewCA("dcrconform untrusted")
	if err != nil {
		return "", err
	}
	cert, err := ca.IssueSigning(pkix.Name{CommonName: sw.ID, Organization: []string{"dcrconform untrusted"}}, rogue.Signer)
	if err != nil {
		return "", err
	}
	x5c := []string{base64.StdEncoding.EncodeToString(cert.Raw), base64.StdEncoding.EncodeToString(ca.Issuing.Raw)}
	return joseutil.SignWithHeaders(c, rogue, "JWT", map[string]any{"x5c": x5c})
}

// expectFAPIAlg fails the spec unless the answered token_endpoint_auth_signing_alg is PS256 or ES256
// (the request's RS256 replaced: OBIE's values "as constrained by FAPI-RW").
func expectFAPIAlg(f *framework.Framework, sent string, got any, status string) {
	if got != "PS256" && got != "ES256" {
		f.Failf(sent+" refused, or replaced by PS256 or ES256 (OBIE-DCR-3.3-ALGS)", "%s with token_endpoint_auth_signing_alg %v", status, got)
	}
}
