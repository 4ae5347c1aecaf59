package is

import (
	"encoding/json"
	"net/http"

	"github.com/dcrconform/dcrconform/mockdirectory"
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// extMembers are the Identity Server members of the client information response (seed 000).
var extMembers = []string{"ext_application_display_name", "ext_application_owner", "ext_application_token_lifetime",
	"ext_user_token_lifetime", "ext_refresh_token_lifetime", "ext_id_token_lifetime", "ext_pkce_mandatory"}

var status400 = []int{http.StatusBadRequest}

var _ = framework.Describe("Identity Server DCR v1.1: registration and management", func() {
	framework.ConformanceIt(positive("IS-REG-001", "register", "IS-DCR-1.1-REGISTER",
		"a JSON registration with the SSA and the administrator's Basic credentials is answered 201 with the metadata and a client_secret",
		"201 with client_id, client_secret, client_secret_expires_at"),
		func(f *framework.Framework) {
			reg := common.Register(f, echoed)
			if reg.ClientSecret == "" {
				f.Failf("a client_secret in the 201 body (seed 000)", "none")
			}
			if _, ok := reg.Metadata["client_secret_expires_at"].(json.Number); !ok {
				f.Failf("client_secret_expires_at, a number, with the client_secret (RFC7591-3.2.1)", "client_secret_expires_at %v",
					reg.Metadata["client_secret_expires_at"])
			}
		})

	framework.ConformanceIt(positive("IS-REG-002", "register", "IS-DCR-1.1-RESPONSE",
		"the 201 answer carries Identity Server's ext_* members", "201 with ext_application_display_name, ext_application_owner, ..."),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			for _, k := range extMembers {
				if _, ok := reg.Metadata[k]; !ok {
					f.Failf(k+" in the 201 body (seed 000)", "%s absent", k)
				}
			}
			if got := reg.Metadata["ext_application_display_name"]; got != reg.Claims["ext_application_display_name"] {
				f.Failf("ext_application_display_name as sent", "%v", got)
			}
		})

	framework.ConformanceIt(positive("IS-TOK-001", "token", "RFC7523-2.2, RFC6749-5.1, RFC6749-5.1-EXPIRES-IN, RFC6749-5.1-NO-STORE",
		"client_credentials with a private_key_jwt client assertion issues an access token", "200 with access_token"),
		func(f *framework.Framework) { common.Token(f) })

	framework.ConformanceIt(positive("IS-GET-001", "read", "RFC7592-2.1",
		"GET of a registration returns 200 with the registered metadata", "200 with the same metadata"),
		func(f *framework.Framework) { common.Read(f, echoed) })

	framework.ConformanceIt(positive("IS-PUT-001", "update", "RFC7592-2.2",
		"PUT of a JSON body with a changed redirect URI returns 200 and a later GET shows it", "200, then GET shows the change"),
		func(f *framework.Framework) { common.Update(f, echoed) })

	framework.ConformanceIt(positive("IS-DEL-001", "delete", "RFC7592-2.3",
		"DELETE returns 204, and a later GET with the same token is 401", "204, then 401"),
		func(f *framework.Framework) { common.Delete(f) })

	framework.ConformanceIt(negative("IS-REG-N01", "register", "IS-DCR-1.1-BASIC-AUTH",
		"a registration without HTTP Basic credentials is 401", "401"),
		func(f *framework.Framework) {
			sw := f.Software()
			resp, err := f.PostRegistrationAuthorized(sw, f.Encode(sw, f.BaselineClaims(sw)), f.ContentType(), f.Cert(sw), "")
			f.ExpectStatus(resp, err, http.StatusUnauthorized)
		})

	framework.ConformanceIt(negative("IS-REG-N02", "register", "IS-DCR-1.1-BASIC-AUTH",
		"a registration with a wrong administrator password is 401", "401"),
		func(f *framework.Framework) {
			sw := f.Software()
			wrong := framework.BasicAuthorization(f.Settings().BasicUser, "wrong-"+framework.NewID())
			resp, err := f.PostRegistrationAuthorized(sw, f.Encode(sw, f.BaselineClaims(sw)), f.ContentType(), f.Cert(sw), wrong)
			f.ExpectStatus(resp, err, http.StatusUnauthorized)
		})

	framework.ConformanceIt(negative("IS-REG-N03", "register", "RFC7591-3.2.2-SSA, IS-DCR-1.1-SSA-JWKS",
		"a software_statement whose signature does not verify is refused", "400 invalid_software_statement"),
		func(f *framework.Framework) {
			sw := f.Software()
			claims := f.BaselineClaims(sw).With("software_statement", f.SSA(sw, mockdirectory.SSAOptions{Break: mockdirectory.BreakBadSignature}))
			resp, err := f.TryRegister(sw, claims)
			f.ExpectError(resp, err, status400, f.Profile().Codes(framework.FaultSSA)...)
		})

	framework.ConformanceIt(negative("IS-REG-N04", "register", "RFC7591-3.2.2-REDIRECT",
		"a redirect URI that is not among the SSA's software_redirect_uris is refused", "400 invalid_redirect_uri|invalid_client_metadata"),
		func(f *framework.Framework) {
			sw := f.Software()
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw).With("redirect_uris", []string{"https://attacker.example/cb"}))
			f.ExpectError(resp, err, status400, f.Profile().Codes(framework.FaultRedirectURI)...)
		})

	framework.ConformanceIt(negative("IS-REG-N05", "register", "RFC7591-2",
		"an unsupported token_endpoint_auth_method is refused", "400 invalid_client_metadata"),
		func(f *framework.Framework) {
			sw := f.Software()
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw).With("token_endpoint_auth_method", "client_secret_jwt"))
			f.ExpectError(resp, err, status400, f.Profile().Codes(framework.FaultMetadata)...)
		})

	framework.ConformanceIt(negative("IS-REG-N06", "register", "IS-DCR-1.1-MTLS",
		"a registration without a client certificate is refused (handshake refused, or 400, 401 or 403)", "TLS handshake refused or 400/401/403"),
		func(f *framework.Framework) {
			f.RequireMTLS()
			common.RegisterWithoutCertificate(f)
		})

	for _, op := range common.Operations {
		framework.ConformanceIt(negative("IS-"+op.Part+"-N01", op.Label, "RFC7592-2",
			op.Method+" without an access token is 401", "401"),
			func(f *framework.Framework) {
				op.Require(f)
				reg := f.RegisterBaseline()
				victim := f.WatchVictim(reg)
				resp, err := f.ManageAt(op.Method, f.ManagementURL(reg), "", op.Body(f, reg), f.Cert(reg.Software))
				f.ExpectStatus(resp, err, http.StatusUnauthorized)
				f.ExpectVictimUnchanged(victim)
			})
	}
})
