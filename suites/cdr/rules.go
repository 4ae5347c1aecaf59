package cdr

import (
	"net/http"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/mockdirectory"
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
			reg := f.RegisterBaseline()
			if got := reg.Metadata["software_statement"]; got != reg.Claims["software_statement"] {
				f.Failf("the software_statement returned unmodified (CDR-DCR-RESPONSE-SSA)", "software_statement %.60v…", got)
			}
		})

	framework.ConformanceIt(positive("CDR-REG-007", "register", "CDR-DCR-ADDITIONAL-CLAIMS",
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

	framework.ConformanceIt(negative("CDR-REG-N15", "register", "CDR-AUTH-NO-MTLS-AUTH",
		"a registration asking for tls_client_auth (with the certificate's own subject DN) is refused: private_key_jwt is the only method",
		"400 invalid_client_metadata"),
		func(f *framework.Framework) {
			sw := f.Software()
			claims := f.BaselineClaims(sw).Without("token_endpoint_auth_signing_alg").
				With("token_endpoint_auth_method", "tls_client_auth").
				With("tls_client_auth_subject_dn", f.SubjectDN(sw.Transport.Leaf))
			resp, err := f.TryRegister(sw, claims)
			f.ExpectError(resp, err, []int{http.StatusBadRequest}, codes(framework.FaultMetadata)...)
		})

	framework.ConformanceIt(negative("CDR-TOK-N03", "token", "CDR-AUTH-EXP",
		"an expired client assertion is refused", "400/401 invalid_client"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			assertion := signAssertion(f, reg, f.AssertionClaims(reg).With("exp", time.Now().Add(-5*time.Minute).Unix()))
			resp, err := f.PostToken(f.TokenForm(reg, assertion), reg.Software.Transport)
			f.ExpectError(resp, err, tokenRefusal, codes(framework.FaultClientAuth)...)
		})

	framework.ConformanceIt(negative("CDR-TOK-N05", "token", "CDR-AUTH-JTI",
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
