package cdr

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/mockdirectory"
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// unsupportedScope is a CDS scope a holder need not support: an energy scope (a bank holder has none).
const unsupportedScope = "energy:accounts.basic:read"

// The Consumer Data Standards' own rules on the registration answer, unknown claims and SSA scopes
// (Security Profile, Client Registration) and on client authentication (Client Authentication).
var _ = framework.Describe("AU CDR DCR 0.2: Consumer Data Standards rules", func() {
	framework.ConformanceIt(positive("CDR-REG-006", "register", "CDR-DCR-RESPONSE-SSA, RFC7591-3.2.1-SSA-ECHO",
		"the 201 answer returns the software_statement unmodified", "201 with the same software_statement"),
		func(f *framework.Framework) {
			common.ExpectSSAReturned(f, f.RegisterBaseline())
		})

	framework.ConformanceIt(positive("CDR-REG-007", "register", "CDR-DCR-ADDITIONAL-CLAIMS, RFC7591-2-UNKNOWN",
		"a request carrying a claim the holder does not support is registered, and the claim is not answered back",
		"201 without the unsupported claim"),
		func(f *framework.Framework) {
			sw := f.Software()
			const claim = "x_dcrconform_unsupported"
			reg := f.RegisterAccepted(sw, f.BaselineClaims(sw).With(claim, "ignore me"))
			if v, present := reg.Metadata[claim]; present {
				f.Failf("the unsupported claim "+claim+" ignored and not returned (CDR-DCR-ADDITIONAL-CLAIMS)", "%s %v in the 201 answer", claim, v)
			}
		})

	framework.ConformanceIt(positive("CDR-REG-008", "register", "CDR-DCR-SSA-SCOPES",
		"an SSA whose scope names a scope the holder does not support ("+unsupportedScope+") is registered: the scope is ignored",
		"201"),
		func(f *framework.Framework) {
			if f.Advertised("scopes_supported", unsupportedScope) {
				f.Skipf("the holder supports %s: no scope of the SSA is one it does not support", unsupportedScope)
			}
			sw := f.Software()
			_, stated, err := joseutil.Decode(f.SSA(sw, mockdirectory.SSAOptions{}))
			if err != nil {
				f.Failf("the register's SSA to decode", "%v", err)
			}
			scope, _ := stated["scope"].(string)
			ssa := f.SSA(sw, mockdirectory.SSAOptions{Set: map[string]any{"scope": strings.TrimSpace(scope + " " + unsupportedScope)}})
			f.RegisterAccepted(sw, f.BaselineClaims(sw).With("software_statement", ssa))
		})

	framework.ConformanceIt(positive("CDR-REG-009", "register", "CDR-DCR-RESPONSE-SSA-METADATA, RFC7591-3.2.1-SSA-METADATA",
		"the 201 answer carries the SSA's software_id and jwks_uri as top-level metadata",
		"201 with software_id and jwks_uri as the SSA states them"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			ssa, _ := reg.Claims["software_statement"].(string)
			_, stated, err := joseutil.Decode(ssa)
			if err != nil {
				f.Failf("the register's SSA to decode", "%v", err)
			}
			c := f.Checks()
			for _, name := range []string{"software_id", "jwks_uri"} {
				if got := reg.Metadata[name]; got != stated[name] {
					c.Add(fmt.Sprintf("%s %v, the SSA's, in the 201 answer (CDR-DCR-RESPONSE-SSA-METADATA)", name, stated[name]), "%s %v", name, got)
				}
			}
			c.Done()
		})

	framework.ConformanceIt(negative("CDR-REG-N16", "register", "CDR-DCR-PUT-ONLY",
		"a second registration (POST) of a registered software product, with another redirect URI, leaves the registration as it was",
		"the registration unchanged (the POST's refusal is CDR-REG-N01's)"),
		func(f *framework.Framework) {
			f.RequireRead()
			reg := f.RegisterBaseline()
			uris := reg.Software.RedirectURIs
			if len(uris) < 2 {
				f.Skipf("the software has one redirect URI: no other to register")
			}
			victim := f.WatchVictim(reg)
			resp, err := f.TryRegister(reg.Software, f.BaselineClaims(reg.Software).With("redirect_uris", []string{uris[1]}))
			if err == nil {
				f.Note("the second POST was answered %s (judged by CDR-REG-N01)", resp.StatusText())
			}
			f.ExpectVictimUnchanged(victim)
		})

	framework.ConformanceIt(positive("CDR-DISC-001", "discovery", "CDR-DCR-ID-TOKEN-ALGS",
		"a holder offering the hybrid flow (code id_token) supports ID-token encryption with RSA-OAEP or RSA-OAEP-256, and A256GCM or A128CBC-HS256",
		"discovery lists one alg and one enc of each"),
		func(f *framework.Framework) {
			doc := f.Discovery()
			if doc == nil {
				f.Skipf("the target has no discovery document")
			}
			if !advertises(doc, "response_types_supported", "code id_token") {
				f.Skipf("the holder does not offer the hybrid flow: ID-token encryption is not required")
			}
			c := f.Checks()
			for key, want := range map[string][]string{
				"id_token_encryption_alg_values_supported": {"RSA-OAEP", "RSA-OAEP-256"},
				"id_token_encryption_enc_values_supported": {"A256GCM", "A128CBC-HS256"},
			} {
				if !slices.ContainsFunc(want, func(v string) bool { return advertises(doc, key, v) }) {
					c.Add(fmt.Sprintf("%s to list %s (CDR-DCR-ID-TOKEN-ALGS)", key, strings.Join(want, " or ")), "%v", doc[key])
				}
			}
			c.Done()
		})

	framework.ConformanceIt(positive("CDR-TOK-002", "token", "CDR-AUTH-AUD",
		"a client assertion is accepted whose aud is the issuer alone, and one whose aud is the token endpoint alone",
		"200 to each"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			for _, aud := range []string{f.Target.Issuer, f.Target.Token} {
				if aud == "" {
					continue
				}
				assertion := signAssertion(f, reg, f.AssertionClaims(reg).With("aud", aud))
				resp, err := f.PostToken(f.TokenForm(reg, assertion), reg.Software.Transport)
				f.ExpectStatus(resp, err, http.StatusOK)
			}
		})

	framework.ConformanceIt(negative("CDR-REG-N15", "register", "CDR-AUTH-NO-MTLS-AUTH",
		"a registration asking for tls_client_auth (with the certificate's own subject DN) is refused, or registered with a method the data holder supports in its place: private_key_jwt is the only method",
		"400 invalid_client_metadata, or 201 with a supported token_endpoint_auth_method other than tls_client_auth"),
		func(f *framework.Framework) {
			sw := f.Software()
			claims := f.BaselineClaims(sw).Without("token_endpoint_auth_signing_alg").
				With("token_endpoint_auth_method", "tls_client_auth").
				With("tls_client_auth_subject_dn", f.SubjectDN(sw.Transport.Leaf))
			resp, err := f.TryRegister(sw, claims)
			if err == nil && resp.Status == http.StatusCreated {
				common.ExpectConfidentialInstead(f, resp, "tls_client_auth")
				return
			}
			f.ExpectError(resp, err, []int{http.StatusBadRequest}, codes(framework.FaultMetadata)...)
		})

	framework.ConformanceIt(negative("CDR-TOK-N03", "token", "CDR-AUTH-EXP, OIDC-CORE-9-EXP",
		"an expired client assertion is refused", "400/401 invalid_client"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			assertion := signAssertion(f, reg, f.AssertionClaims(reg).With("exp", time.Now().Add(-5*time.Minute).Unix()))
			resp, err := f.PostToken(f.TokenForm(reg, assertion), reg.Software.Transport)
			f.ExpectError(resp, err, tokenRefusal, codes(framework.FaultClientAuth)...)
		})

	framework.ConformanceIt(negative("CDR-TOK-N05", "token", "CDR-AUTH-JTI, OIDC-CORE-9-JTI",
		"a replayed client assertion (same jti) is refused: it may be used once", "400/401 invalid_client|invalid_grant"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			form := f.TokenForm(reg, signAssertion(f, reg, f.AssertionClaims(reg)))
			resp, err := f.PostToken(form, reg.Software.Transport)
			f.SetupStatus("the first use of the client assertion", resp, err, http.StatusOK)
			resp, err = f.PostToken(form, reg.Software.Transport)
			f.ExpectError(resp, err, tokenRefusal, append(codes(framework.FaultClientAuth), "invalid_grant")...)
		})
})

// tokenRefusal are the statuses of a refused token request (RFC 6749 section 5.2).
var tokenRefusal = []int{http.StatusBadRequest, http.StatusUnauthorized}

// signAssertion signs a client assertion with the software's key.
func signAssertion(f *framework.Framework, reg *framework.Registration, c framework.Claims) string {
	s, err := joseutil.Sign(c, reg.Software.SigningKey, "JWT")
	if err != nil {
		f.Failf("to sign the client assertion", "%v", err)
	}
	return s
}
