package cdr

import (
	"net/http"

	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// FAPI 1.0 Advanced's rules on registration and client authentication, which the CDR profile adopts (the
// UK profile's UK-REG-N65 and UK-TOK-N30 check the same).
var _ = framework.Describe("AU CDR DCR 0.2: FAPI 1.0 Advanced", func() {
	framework.ConformanceIt(negative("CDR-REG-N65", "register", "FAPI1-ADV-5.2.2-16",
		"a public client (token_endpoint_auth_method none) is refused, or registered as a confidential client with a method the data holder supports",
		"400 invalid_client_metadata, or 201 with a supported confidential token_endpoint_auth_method"),
		func(f *framework.Framework) {
			sw := f.Software()
			claims := f.BaselineClaims(sw).Without("token_endpoint_auth_signing_alg").With("token_endpoint_auth_method", "none")
			resp, err := f.TryRegister(sw, claims)
			if err == nil && resp.Status == http.StatusCreated {
				common.ExpectConfidentialInstead(f, resp, "none")
				return
			}
			f.ExpectError(resp, err, []int{http.StatusBadRequest}, codes(framework.FaultMetadata)...)
		})

	framework.ConformanceIt(negative("CDR-TOK-N30", "token", "FAPI1-BASE-5.2.2-19",
		"a token request whose client_id is not the client its assertion names is refused with invalid_client, as FAPI requires",
		"400/401 invalid_client"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			form := f.TokenForm(reg, signAssertion(f, reg, f.AssertionClaims(reg)))
			form.Set("client_id", "another-client-"+framework.NewID())
			resp, err := f.PostToken(form, reg.Software.Transport)
			f.ExpectError(resp, err, []int{http.StatusBadRequest, http.StatusUnauthorized}, codes(framework.FaultClientAuth)...)
		})
})
