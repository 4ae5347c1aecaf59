package cdr

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/mockdirectory"
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

var _ = framework.Describe("AU CDR DCR 0.2: registration and management", func() {
	framework.ConformanceIt(positive("CDR-REG-001", "register", "CDR-DCR-REGISTER, CDR-DCR-RESPONSE, CDR-DCR-ACCEPT-SSA, CDR-DCR-CONFORM",
		"a registration JWT signed by the data recipient's key, with the register's SSA, is accepted", "201 with client_id and the registered metadata"),
		func(f *framework.Framework) {
			reg := common.Register(f, echoed)
			if scope, _ := reg.Metadata["scope"].(string); scope != "" && !strings.Contains(" "+scope+" ", " "+RegistrationScope+" ") {
				f.Failf("the registered scope to include "+RegistrationScope+" (the SSA's scope)", "scope %q", scope)
			}
		})

	framework.ConformanceIt(positive("CDR-TOK-001", "token", "CDR-DCR-TOKEN, CDR-AUTH-PKJWT, RFC6749-5.1, RFC6749-5.1-EXPIRES-IN, RFC6749-5.1-NO-STORE",
		"client_credentials with private_key_jwt issues a token with scope cdr:registration", "200 with access_token"),
		func(f *framework.Framework) { common.Token(f) })

	framework.ConformanceIt(positive("CDR-GET-001", "read", "CDR-DCR-GET, CDR-DCR-MANAGEMENT",
		"GET of a registration with a cdr:registration token returns 200 with the registered metadata", "200 with the same metadata"),
		func(f *framework.Framework) { common.Read(f, echoed) })

	framework.ConformanceIt(positive("CDR-PUT-001", "update", "CDR-DCR-PUT, CDR-DCR-MANAGEMENT, CDR-DCR-ACCEPT-SSA",
		"PUT with a changed redirect URI returns 200 and a later GET shows it", "200, then GET shows the change"),
		func(f *framework.Framework) { common.Update(f, echoed) })

	framework.ConformanceIt(positive("CDR-DEL-001", "delete", "CDR-DCR-DELETE",
		"DELETE returns 204, and a later GET with the same token is 401", "204, then 401"),
		func(f *framework.Framework) { common.Delete(f) })

	framework.ConformanceIt(negative("CDR-REG-N01", "register", "CDR-DCR-DUPLICATE, CDR-DCR-ONE-REGISTRATION, CDR-DCR-SOFTWARE-ID",
		"a second registration of the same software product is refused", "400 invalid_client_metadata|invalid_software_statement|unapproved_software_statement"),
		func(f *framework.Framework) {
			f.RegisterBaseline()
			sw := f.Software()
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw))
			f.ExpectError(resp, err, []int{http.StatusBadRequest}, f.Profile().Codes(framework.FaultDuplicate)...)
		})

	framework.ConformanceIt(negative("CDR-REG-N14", "register", "RFC7591-3.1.1",
		"a request whose client_name conflicts with the SSA's is refused, or registered with the SSA's client_name",
		"400 invalid_client_metadata|invalid_software_statement, or 201 without the request's client_name"),
		func(f *framework.Framework) {
			sw := f.Software()
			conflicting := "Not the software statement's name " + framework.NewID()
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw).With("client_name", conflicting))
			if err == nil && resp.Status/100 == 2 { // registered: the status is CDR-REG-001's to judge
				if resp.Status != http.StatusCreated {
					f.Note("the registration was answered %d, not 201 (judged by CDR-REG-001)", resp.Status)
				}
				if got := f.ExpectJSON(resp)["client_name"]; got == conflicting {
					f.Failf("the SSA's client_name registered, or the request refused (RFC7591-3.1.1)", "201 with the request's client_name %q", got)
				}
				return
			}
			f.ExpectError(resp, err, []int{http.StatusBadRequest}, append(codes(framework.FaultMetadata), codes(framework.FaultSSA)...)...)
		})

	framework.ConformanceIt(negative("CDR-REG-N12", "register", "CDR-DCR-MTLS",
		"a registration without a client certificate is refused (handshake refused, or 400, 401 or 403)", "TLS handshake refused or 400/401/403"),
		func(f *framework.Framework) {
			f.RequireMTLS()
			common.RegisterWithoutCertificate(f)
		})

	for _, fault := range registrationFaults {
		framework.ConformanceIt(negative(fault.id, "register", fault.req, fault.title, common.ExpectText([]int{400}, codes(fault.fault))),
			func(f *framework.Framework) {
				sw := f.Software()
				body := fault.build(f, sw, f.BaselineClaims(sw))
				resp, err := f.PostRegistration(sw, body, f.ContentType(), f.Cert(sw))
				f.ExpectError(resp, err, []int{http.StatusBadRequest}, f.Profile().Codes(fault.fault)...)
			})
	}

	for _, op := range common.Operations {
		framework.ConformanceIt(negative("CDR-"+op.Part+"-N01", op.Label, "RFC6750-3, RFC6750-3.1, CDR-DCR-WWW-AUTH",
			op.Method+" with an expired access token is 401 with WWW-Authenticate carrying error=\"invalid_token\"", `401, WWW-Authenticate: Bearer error="invalid_token"`),
			func(f *framework.Framework) {
				op.Require(f)
				reg := f.RegisterBaseline()
				tok := f.AccessToken(reg)
				f.ExpireTokens(reg.ClientID)
				victim := f.WatchVictim(reg)
				resp, err := f.ManageAt(op.Method, f.ManagementURL(reg), tok, op.Body(f, reg), f.Cert(reg.Software))
				f.ExpectBearerError(resp, err, "invalid_token", http.StatusUnauthorized)
				f.ExpectVictimUnchanged(victim)
			})

		framework.ConformanceIt(negative("CDR-"+op.Part+"-N02", op.Label, "RFC7592-2, CDR-DCR-UNKNOWN-CLIENT",
			op.Method+" of an unknown ClientId is 401", "401"),
			func(f *framework.Framework) {
				op.Require(f)
				reg := f.RegisterBaseline()
				resp, err := f.Manage(op.Method, "unknown-"+framework.NewID(), f.AccessToken(reg), op.Body(f, reg), f.Cert(reg.Software))
				f.ExpectStatus(resp, err, http.StatusUnauthorized)
			})

		framework.ConformanceIt(negative("CDR-"+op.Part+"-N03", op.Label, "CDR-DCR-SCOPE, RFC6750-3.1-SCOPE",
			op.Method+" with an access token without the cdr:registration scope is 403", "403"),
			func(f *framework.Framework) {
				op.Require(f)
				reg := f.RegisterBaseline()
				tok := f.AccessTokenScope(reg, otherScope(f, reg))
				resp, err := f.ManageAt(op.Method, f.ManagementURL(reg), tok, op.Body(f, reg), f.Cert(reg.Software))
				f.ExpectStatus(resp, err, http.StatusForbidden)
			})

		framework.ConformanceIt(negative("CDR-"+op.Part+"-N20", op.Label, "CDR-DCR-UNKNOWN-CLIENT",
			op.Method+" with another client's access token (over that client's own certificate) is 401, and the registration is left as it was", "401"),
			func(f *framework.Framework) {
				op.Require(f)
				reg := f.RegisterBaseline()
				other := f.NewSoftware(target.SoftwareOptions{KeyType: "EC"})
				otherToken := f.AccessToken(f.Register(other, f.BaselineClaims(other)))
				victim := f.WatchVictim(reg)
				resp, err := f.ManageAt(op.Method, f.ManagementURL(reg), otherToken, op.Body(f, reg), f.Cert(other))
				f.ExpectStatus(resp, err, http.StatusUnauthorized)
				f.ExpectVictimUnchanged(victim)
			})
	}
})

// otherScope is a scope of the client's other than cdr:registration, for a token that lacks it.
func otherScope(f *framework.Framework, reg *framework.Registration) string {
	scope, _ := reg.Metadata["scope"].(string)
	for _, s := range strings.Fields(scope) {
		if s != RegistrationScope && s != "openid" && s != "profile" {
			return s
		}
	}
	f.Skipf("the client was registered with no scope besides cdr:registration")
	return ""
}

func codes(fault string) []string {
	p, _ := framework.LookupProfile(profile)
	return p.Codes(fault)
}

// registrationFault is a negative registration spec: a request that differs from the baseline in
// exactly one way, and the fault whose codes the profile accepts.
type registrationFault struct {
	id, req, title, fault string
	build                 func(f *framework.Framework, sw *target.Software, base framework.Claims) string
}

func signed(change func(f *framework.Framework, sw *target.Software, c framework.Claims) framework.Claims) func(*framework.Framework, *target.Software, framework.Claims) string {
	return func(f *framework.Framework, sw *target.Software, base framework.Claims) string {
		return f.Sign(sw, change(f, sw, base))
	}
}

func withSSA(opts mockdirectory.SSAOptions) func(*framework.Framework, *target.Software, framework.Claims) string {
	return signed(func(f *framework.Framework, sw *target.Software, c framework.Claims) framework.Claims {
		return c.With("software_statement", f.SSA(sw, opts))
	})
}

var registrationFaults = []registrationFault{
	{"CDR-REG-N02", "CDR-DCR-SSA", "an SSA signed by a key that is not the register's is refused", framework.FaultSSA,
		withSSA(mockdirectory.SSAOptions{Break: mockdirectory.BreakUnpublishedKey})},
	{"CDR-REG-N13", "CDR-DCR-SSA", "an SSA signed by the software's own key instead of the register's is refused", framework.FaultSSA,
		signed(func(f *framework.Framework, sw *target.Software, c framework.Claims) framework.Claims {
			return c.With("software_statement", common.SelfSignedSSA(f, sw))
		})},
	{"CDR-REG-N03", "CDR-DCR-SSA, CDR-DCR-ERRORS, CDR-DCR-VERIFIED", "an SSA whose signature does not verify is refused", framework.FaultSSA,
		withSSA(mockdirectory.SSAOptions{Break: mockdirectory.BreakBadSignature})},
	{"CDR-REG-N04", "CDR-DCR-SSA, CDR-DCR-SSA-ISSUER", "an SSA whose iss is not the register is refused", framework.FaultSSA,
		withSSA(mockdirectory.SSAOptions{Break: mockdirectory.BreakWrongIssuer})},
	{"CDR-REG-N05", "CDR-DCR-SSA, CDR-DCR-SSA-EXPIRY, CDR-DCR-JWT-VALIDATION", "an expired SSA is refused", framework.FaultSSA,
		withSSA(mockdirectory.SSAOptions{Break: mockdirectory.BreakExpired})},
	{"CDR-REG-N06", "CDR-DCR-REDIRECT, RFC7591-3.2.2-REDIRECT", "a redirect URI that is not among the SSA's redirect_uris is refused", framework.FaultRedirectURI,
		signed(func(_ *framework.Framework, _ *target.Software, c framework.Claims) framework.Claims {
			return c.With("redirect_uris", []string{"https://attacker.example/cb"})
		})},
	{"CDR-REG-N07", "CDR-DCR-ALGS", "a registration JWT signed with HS256 is refused", framework.FaultMetadata,
		func(f *framework.Framework, sw *target.Software, c framework.Claims) string {
			pub, err := json.Marshal(sw.SigningKey.PublicJWK())
			if err != nil {
				f.Failf("to encode the public key", "%v", err)
			}
			jwt, err := joseutil.SignHS256(c, sw.SigningKey.KeyID, pub)
			if err != nil {
				f.Failf("to sign the request", "%v", err)
			}
			return jwt
		}},
	{"CDR-REG-N08", "CDR-DCR-REQUEST-SIGNATURE, CDR-DCR-VERIFIED", "a registration JWT signed by a key not in the SSA's jwks_uri is refused", framework.FaultMetadata,
		func(f *framework.Framework, sw *target.Software, c framework.Claims) string {
			jwt, err := joseutil.Sign(c, f.RogueKey(sw), "JWT")
			if err != nil {
				f.Failf("to sign the request", "%v", err)
			}
			return jwt
		}},
	{"CDR-REG-N10", "CDR-DCR-REQUEST-CLAIMS", "a registration JWT without exp is refused", framework.FaultMetadata,
		signed(func(_ *framework.Framework, _ *target.Software, c framework.Claims) framework.Claims {
			return c.Without("exp")
		})},
	{"CDR-REG-N11", "CDR-DCR-REQUEST-CLAIMS", "a registration JWT whose iss is not the SSA's software_id is refused", framework.FaultMetadata,
		signed(func(_ *framework.Framework, _ *target.Software, c framework.Claims) framework.Claims {
			return c.With("iss", "not-the-software-id")
		})},
	{"CDR-REG-N09", "CDR-DCR-AUD", "a registration JWT whose aud is not the data holder's issuer is refused", framework.FaultMetadata,
		signed(func(_ *framework.Framework, _ *target.Software, c framework.Claims) framework.Claims {
			return c.With("aud", "https://another-holder.example.com")
		})},
}
