package generic

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/mockdirectory"
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// request is a registration request as sent.
type request struct {
	body, contentType string
	cert              bool // present the transport certificate
}

type registrationFault struct {
	id, req, title, fault string
	statuses              []int
	build                 func(f *framework.Framework, sw *target.Software, base framework.Claims) request
}

func signedWith(change func(f *framework.Framework, sw *target.Software, c framework.Claims) framework.Claims) func(*framework.Framework, *target.Software, framework.Claims) request {
	return func(f *framework.Framework, sw *target.Software, base framework.Claims) request {
		return request{f.Sign(sw, change(f, sw, base)), framework.JWTContentType, true}
	}
}

var status400 = []int{http.StatusBadRequest}

var registrationFaults = []registrationFault{
	{"GEN-REG-N01", "RFC7591-3.2.2-SSA, OBD-SSA-VALIDATION", "an SSA whose signature does not verify is refused", framework.FaultSSA, status400,
		signedWith(func(f *framework.Framework, sw *target.Software, c framework.Claims) framework.Claims {
			return c.With("software_statement", f.SSA(sw, mockdirectory.SSAOptions{Break: mockdirectory.BreakBadSignature}))
		})},
	{"GEN-REG-N02", "OBIE-DCR-3.3-REQUEST-SIGNATURE, OBD-REQUEST-SIGNATURE", "a request JWT signed by a key not in the software's key set is refused", framework.FaultMetadata, status400,
		func(f *framework.Framework, sw *target.Software, c framework.Claims) request {
			jwt, err := joseutil.Sign(c, f.RogueKey(sw), "JWT")
			if err != nil {
				f.Failf("to sign the request", "%v", err)
			}
			return request{jwt, framework.JWTContentType, true}
		}},
	{"GEN-REG-N03", "RFC7591-3.2.2-REDIRECT", "a redirect URI that is not among the SSA's software_redirect_uris is refused", framework.FaultRedirectURI, status400,
		signedWith(func(_ *framework.Framework, _ *target.Software, c framework.Claims) framework.Claims {
			return c.With("redirect_uris", []string{"https://attacker.example/cb"})
		})},
	{"GEN-REG-N04", "RFC7519-4.1.3", "a request JWT whose aud is not the bank is refused", framework.FaultMetadata, status400,
		signedWith(func(_ *framework.Framework, _ *target.Software, c framework.Claims) framework.Claims {
			return c.With("aud", "https://another-bank.example.com")
		})},
	{"GEN-REG-N05", "RFC7519-4.1.4", "an expired request JWT is refused", framework.FaultMetadata, status400,
		signedWith(func(_ *framework.Framework, _ *target.Software, c framework.Claims) framework.Claims {
			return c.With("exp", time.Now().Add(-10*time.Minute).Unix())
		})},
	{"GEN-REG-N09", "RFC7519-4.1.5", "a request JWT not valid before an hour from now (nbf) is refused", framework.FaultMetadata, status400,
		signedWith(func(_ *framework.Framework, _ *target.Software, c framework.Claims) framework.Claims {
			return c.With("nbf", time.Now().Add(time.Hour).Unix())
		})},
	{"GEN-REG-N10", "OBD-SSA-LIFETIME", "an SSA issued 30 days ago is refused: no pragmatic time range accepts it", framework.FaultSSA, status400,
		signedWith(func(f *framework.Framework, sw *target.Software, c framework.Claims) framework.Claims {
			stale := time.Now().Add(-30 * 24 * time.Hour).Unix()
			return c.With("software_statement", f.SSA(sw, mockdirectory.SSAOptions{Set: map[string]any{"iat": stale}}))
		})},
	{"GEN-REG-N06", "OBIE-DCR-3.3-CONTENT-TYPE", "an unsigned JSON body where a signed JWT is required is refused", framework.FaultBody,
		[]int{http.StatusBadRequest, http.StatusUnsupportedMediaType},
		func(_ *framework.Framework, _ *target.Software, c framework.Claims) request {
			b, _ := json.Marshal(c)
			return request{string(b), "application/json", true}
		}},
}

var _ = framework.Describe("generic DCR 0.1: registration and management", func() {
	framework.ConformanceIt(positive("GEN-REG-001", "register", "RFC7591-3.2.1, GEN-DCR-0.1-REGISTER",
		"a valid signed registration request is accepted with a client_id and consistent metadata", "201 with client_id"),
		func(f *framework.Framework) { common.Register(f, echoed) })

	framework.ConformanceIt(positive("GEN-TOK-001", "token", "RFC7523-2.2, RFC6749-5.1, RFC6749-5.1-EXPIRES-IN, RFC6749-5.1-NO-STORE",
		"client_credentials with a private_key_jwt client assertion issues an access token", "200 with access_token"),
		func(f *framework.Framework) { common.Token(f) })

	framework.ConformanceIt(positive("GEN-GET-001", "read", "RFC7592-2.1",
		"GET of a registration returns 200 with the registered metadata", "200 with the same metadata"),
		func(f *framework.Framework) { common.Read(f, echoed) })

	framework.ConformanceIt(positive("GEN-PUT-001", "update", "RFC7592-2.2",
		"PUT with a changed redirect URI returns 200 and a later GET shows it", "200, then GET shows the change"),
		func(f *framework.Framework) { common.Update(f, echoed) })

	framework.ConformanceIt(positive("GEN-DEL-001", "delete", "RFC7592-2.3, GEN-DCR-0.1-DELETE",
		"DELETE returns 204, and a later GET with the same token is 401", "204, then 401"),
		func(f *framework.Framework) { common.Delete(f) })

	for _, fault := range registrationFaults {
		framework.ConformanceIt(negative(fault.id, "register", fault.req, fault.title, common.ExpectText(fault.statuses, codes(fault.fault))),
			func(f *framework.Framework) {
				sw := f.Software()
				r := fault.build(f, sw, f.BaselineClaims(sw))
				var cert = f.Cert(sw)
				if !r.cert {
					cert = nil
				}
				resp, err := f.PostRegistration(sw, r.body, r.contentType, cert)
				f.ExpectRefusal(resp, err, fault.statuses, f.Profile().Codes(fault.fault)...)
			})
	}

	framework.ConformanceIt(negative("GEN-REG-N07", "register", "OBIE-DCR-3.3-DUPLICATE",
		"a second registration of the same software is refused", "400 invalid_client_metadata"),
		func(f *framework.Framework) {
			f.RegisterBaseline()
			sw := f.Software()
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw))
			f.ExpectError(resp, err, status400, f.Profile().Codes(framework.FaultDuplicate)...)
		})

	framework.ConformanceIt(negative("GEN-REG-N08", "register", "OBIE-DCR-3.3-MTLS",
		"a registration without a client certificate is refused (handshake refused, or 400, 401 or 403)", "TLS handshake refused or 400/401/403"),
		func(f *framework.Framework) {
			f.RequireMTLS()
			common.RegisterWithoutCertificate(f)
		})

	for _, op := range common.Operations {
		framework.ConformanceIt(negative("GEN-"+op.Part+"-N01", op.Label, "RFC6750-3.1, GEN-DCR-0.1-MANAGE-AUTH",
			op.Method+" without an access token is 401", "401"),
			func(f *framework.Framework) {
				op.Require(f)
				reg := f.RegisterBaseline()
				victim := f.WatchVictim(reg)
				resp, err := f.ManageAt(op.Method, f.ManagementURL(reg), "", op.Body(f, reg), f.Cert(reg.Software))
				f.ExpectStatus(resp, err, http.StatusUnauthorized)
				f.ExpectVictimUnchanged(victim)
			})

		framework.ConformanceIt(negative("GEN-"+op.Part+"-N02", op.Label, "RFC6750-3.1, GEN-DCR-0.1-MANAGE-AUTH",
			op.Method+" with another client's access token (over that client's own certificate) is 401", "401"),
			func(f *framework.Framework) {
				op.Require(f)
				reg := f.RegisterBaseline()
				other := f.NewSoftware(target.SoftwareOptions{KeyType: "EC"})
				otherReg := f.Register(other, f.BaselineClaims(other))
				otherToken := f.AccessToken(otherReg)
				victim := f.WatchVictim(reg)
				resp, err := f.ManageAt(op.Method, f.ManagementURL(reg), otherToken, op.Body(f, reg), f.Cert(other))
				f.ExpectStatus(resp, err, http.StatusUnauthorized)
				f.ExpectVictimUnchanged(victim)
			})
	}

	framework.ConformanceIt(negative("GEN-DEL-N04", "delete", "OBIE-DCR-3.3-DELETE",
		"after DELETE, the client's access token stays refused when the same software registers again: a GET of the new registration with it is 401",
		"204, register again, then 401"),
		common.TokensStayRevoked)

	framework.ConformanceIt(negative("GEN-DEL-N03", "delete", "OBIE-DCR-3.3-DELETE",
		"after DELETE, every access token of the client is refused", "204, then 401 for every token"),
		func(f *framework.Framework) {
			f.RequireDelete()
			f.RequireRead()
			reg := f.RegisterBaseline()
			first, second := f.AccessToken(reg), f.AccessToken(reg)
			cert := f.Cert(reg.Software)
			resp, err := f.ManageAt("DELETE", f.ManagementURL(reg), first, "", cert)
			f.SetupStatus("the DELETE of the registration", resp, err, http.StatusNoContent)
			resp, err = f.ManageAt("GET", f.ManagementURL(reg), second, "", cert)
			f.ExpectStatus(resp, err, http.StatusUnauthorized)
		})
})

func codes(fault string) []string {
	p, _ := framework.LookupProfile(profile)
	return p.Codes(fault)
}
