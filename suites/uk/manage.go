package uk

import (
	"crypto/tls"
	"net/http"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// operation is a management operation: its HTTP method, scenario operation label and requirement.
type operation struct {
	method, label, prefix, req string
	require                    func(f *framework.Framework)
	noCertID                   string // the ID of the spec without a client certificate
}

var operations = []operation{
	{"GET", "read", "UK-GET", "RFC7592-2.1", (*framework.Framework).RequireRead, "UK-GET-N07"},
	{"PUT", "update", "UK-PUT", "RFC7592-2.2", (*framework.Framework).RequireUpdate, "UK-PUT-N11"},
	{"DELETE", "delete", "UK-DEL", "RFC7592-2.3", (*framework.Framework).RequireDelete, "UK-DEL-N09"},
}

// body is what the operation sends: for PUT a valid full update that changes the redirect URI where the
// software has a second one (so that a refused PUT the bank applied anyway shows in a later read), for
// GET and DELETE nothing.
func (op operation) body(f *framework.Framework, reg *framework.Registration) string {
	if op.method != "PUT" {
		return ""
	}
	claims := f.BaselineClaims(reg.Software)
	if uris := reg.Software.RedirectURIs; len(uris) > 1 {
		claims = claims.With("redirect_uris", []string{uris[1]})
	}
	return f.Sign(reg.Software, claims)
}

// credentialFault is a bad bearer credential presented to a management endpoint for reg.
type credentialFault struct {
	suffix, title string
	// present returns the token to present and the certificate to present it over.
	present func(f *framework.Framework, reg *framework.Registration) (token string, cert *tls.Certificate)
}

var credentialFaults = []credentialFault{
	{"N02", "without an access token is 401", func(_ *framework.Framework, reg *framework.Registration) (string, *tls.Certificate) {
		return "", reg.Software.Transport
	}},
	{"N03", "with a malformed access token is 401", func(_ *framework.Framework, reg *framework.Registration) (string, *tls.Certificate) {
		return "not-a-token-" + framework.NewID(), reg.Software.Transport
	}},
	{"N04", "with an expired access token is 401", func(f *framework.Framework, reg *framework.Registration) (string, *tls.Certificate) {
		tok := f.AccessToken(reg)
		f.ExpireTokens(reg.ClientID)
		return tok, reg.Software.Transport
	}},
	{"N05", "with another client's access token (over that client's own certificate) is 401", func(f *framework.Framework, _ *framework.Registration) (string, *tls.Certificate) {
		other := f.NewSoftware(target.SoftwareOptions{KeyType: "EC"})
		otherReg := f.Register(other, f.BaselineClaims(other))
		return f.AccessToken(otherReg), other.Transport
	}},
	{"N20", "with the access token of another software of the same organisation (over its own certificate) is 401", func(f *framework.Framework, reg *framework.Registration) (string, *tls.Certificate) {
		sibling := f.NewSoftware(target.SoftwareOptions{SiblingOf: reg.Software, KeyType: "EC"})
		siblingReg := f.Register(sibling, f.BaselineClaims(sibling))
		return f.AccessToken(siblingReg), sibling.Transport
	}},
}

var _ = framework.Describe("UK OBIE DCR 3.3: management", func() {
	framework.ConformanceIt(positive("UK-GET-001", "read", "RFC7592-2.1, OBIE-DCR-3.3-GET, OBIE-DCR-3.3-SAME-URL",
		"GET of a registration returns 200 with the registered metadata", "200 with the same metadata"),
		func(f *framework.Framework) {
			f.RequireRead()
			reg := f.RegisterBaseline()
			resp, err := f.Manage("GET", reg.ClientID, f.AccessToken(reg), "", reg.Software.Transport)
			f.ExpectStatus(resp, err, http.StatusOK)
			got := f.ExpectJSON(resp)
			if got["client_id"] != reg.ClientID {
				f.Failf("client_id "+reg.ClientID, "client_id %v", got["client_id"])
			}
			expectEchoedMetadata(f, &framework.Registration{ClientID: reg.ClientID, Claims: reg.Claims, Metadata: got})
		})

	framework.ConformanceIt(positive("UK-PUT-001", "update", "RFC7592-2.2, OBIE-DCR-3.3-UPDATE, OBIE-DCR-3.3-UPDATE-REJECT",
		"PUT with a changed redirect URI returns 200 and a later GET shows it", "200, then GET shows the change"),
		func(f *framework.Framework) {
			f.RequireUpdate()
			sw := f.Software()
			if len(sw.RedirectURIs) < 2 {
				f.Skipf("the software's SSA has a single redirect URI; changing it needs two")
			}
			reg := f.RegisterBaseline()
			tok := f.AccessToken(reg)
			changed := f.BaselineClaims(sw).With("redirect_uris", []string{sw.RedirectURIs[1]})
			resp, err := f.Manage("PUT", reg.ClientID, tok, f.Sign(sw, changed), sw.Transport)
			if err == nil && resp.Status == http.StatusBadRequest {
				// OBIE: "The ASPSP may reject the request if it does not support changes to certain claims."
				if body, _ := resp.JSONObject(); body["error"] == "invalid_client_metadata" || body["error"] == "invalid_redirect_uri" {
					f.Skipf("the bank refused to change redirect_uris (400 %v), a choice OBIE DCR leaves it: the update could not be shown", body["error"])
				}
			}
			f.ExpectStatus(resp, err, http.StatusOK)
			expectEchoedMetadata(f, &framework.Registration{ClientID: reg.ClientID, Claims: changed, Metadata: f.ExpectJSON(resp)})
			if !f.Target.Supports.Read {
				return
			}
			// The later GET with the same token shows the token still valid (a 401 is the PUT revoking it)
			// and the change made; any other fault of the read answer is UK-GET-001's.
			resp, err = f.Manage("GET", reg.ClientID, tok, "", sw.Transport)
			if err == nil && resp.Status == http.StatusUnauthorized {
				f.ExpectStatus(resp, err, http.StatusOK)
			}
			f.SetupStatus("the GET after the PUT", resp, err, http.StatusOK)
			common.ExpectEchoed(f, changed, f.SetupJSON("the GET after the PUT", resp), []string{"redirect_uris"})
		})

	framework.ConformanceIt(positive("UK-DEL-001", "delete", "RFC7592-2.3, OBIE-DCR-3.3-DELETE-STATUS",
		"DELETE returns 204, and a later GET with the same token is 401", "204, then 401"),
		func(f *framework.Framework) {
			f.RequireDelete()
			reg := f.RegisterBaseline()
			tok := f.AccessToken(reg)
			resp, err := f.Manage("DELETE", reg.ClientID, tok, "", reg.Software.Transport)
			f.ExpectStatus(resp, err, http.StatusNoContent)
			if !f.Target.Supports.Read {
				return
			}
			resp, err = f.Manage("GET", reg.ClientID, tok, "", reg.Software.Transport)
			f.ExpectStatus(resp, err, http.StatusUnauthorized)
		})

	for _, op := range operations {
		framework.ConformanceIt(negative(op.prefix+"-N01", op.label, "OBIE-DCR-3.3-UNKNOWN-CLIENT, RFC7592-2-REVOKE",
			op.method+" of an unknown ClientId is 401, and the access token presented is revoked", "401, then the token is refused"),
			func(f *framework.Framework) {
				op.require(f)
				f.RequireRead()
				reg := f.RegisterBaseline()
				tok := f.AccessToken(reg)
				resp, err := f.Manage(op.method, "unknown-"+framework.NewID(), tok, op.body(f, reg), reg.Software.Transport)
				f.ExpectStatus(resp, err, http.StatusUnauthorized)
				resp, err = f.Manage("GET", reg.ClientID, tok, "", reg.Software.Transport)
				if err == nil && resp.Status != http.StatusUnauthorized {
					f.Failf("the token presented for an unknown ClientId to be revoked: a later GET is 401", "a later GET with it is %d", resp.Status)
				}
				f.ExpectNoTransportError(err)
			})

		for _, fault := range credentialFaults {
			framework.ConformanceIt(negative(op.prefix+"-"+fault.suffix, op.label, "RFC6750-3.1, OBIE-DCR-3.3-MANAGE-TOKEN",
				op.method+" "+fault.title, "401"),
				func(f *framework.Framework) {
					op.require(f)
					reg := f.RegisterBaseline()
					tok, cert := fault.present(f, reg)
					victim := f.WatchVictim(reg)
					resp, err := f.Manage(op.method, reg.ClientID, tok, op.body(f, reg), cert)
					f.ExpectStatus(resp, err, http.StatusUnauthorized)
					f.ExpectVictimUnchanged(victim)
				})
		}

		framework.ConformanceIt(negative(op.prefix+"-N06", op.label, "RFC6750-3, RFC6750-3-PARAMS, RFC6750-3-NO-CODE",
			"a 401 from "+op.method+" without credentials carries a WWW-Authenticate: Bearer challenge with an auth-param and no error code",
			"401 with WWW-Authenticate: Bearer and an auth-param (no error: SHOULD NOT)"),
			func(f *framework.Framework) {
				op.require(f)
				reg := f.RegisterBaseline()
				resp, err := f.Manage(op.method, reg.ClientID, "", op.body(f, reg), reg.Software.Transport)
				f.ExpectUnauthorized(resp, err, true)
				expectBareRequestChallenge(f, resp)
			})

		framework.ConformanceIt(negative(op.noCertID, op.label, "OBIE-DCR-3.3-MANAGE-MTLS",
			op.method+" with the client's access token but without a client certificate is refused (handshake refused, or 400, 401 or 403)",
			"TLS handshake refused or 400/401/403"),
			func(f *framework.Framework) {
				op.require(f)
				f.RequireMTLS()
				reg := f.RegisterBaseline()
				resp, err := f.Manage(op.method, reg.ClientID, f.AccessToken(reg), op.body(f, reg), nil)
				f.ExpectRefusedWithoutCertificate(resp, err)
			})
	}

	framework.ConformanceIt(negative("UK-PUT-N07", "update", "OBIE-DCR-3.3-UPDATE",
		"PUT moving the registration to another software (its SSA, signed with its key) is refused", "400/401/403 invalid_client_metadata"),
		func(f *framework.Framework) {
			f.RequireUpdate()
			reg := f.RegisterBaseline()
			other := f.NewSoftware(target.SoftwareOptions{})
			resp, err := f.Manage("PUT", reg.ClientID, f.AccessToken(reg), f.Sign(other, f.BaselineClaims(other)), reg.Software.Transport)
			f.ExpectRefusal(resp, err, status400or401, movedToOther.codes(f)...)
		})

	framework.ConformanceIt(negative("UK-PUT-N08", "update", "OBIE-DCR-3.3-UPDATE",
		"PUT with a request JWT signed by a key not in the software's key set is refused", "400 invalid_client_metadata"),
		func(f *framework.Framework) {
			f.RequireUpdate()
			reg := f.RegisterBaseline()
			sw := reg.Software
			body, err := joseutil.Sign(f.BaselineClaims(sw), f.RogueKey(sw), "JWT")
			if err != nil {
				f.Failf("to sign the update", "%v", err)
			}
			resp, err := f.Manage("PUT", reg.ClientID, f.AccessToken(reg), body, sw.Transport)
			f.ExpectError(resp, err, status400, badMetadata.codes(f)...)
		})

	framework.ConformanceIt(negative("UK-PUT-N09", "update", "RFC7591-3.2.2-REDIRECT, OBIE-DCR-3.3-REDIRECT-SSA, RFC7592-2.2-ERRORS",
		"PUT with a redirect URI outside the SSA is refused", "400 invalid_redirect_uri"),
		func(f *framework.Framework) {
			f.RequireUpdate()
			reg := f.RegisterBaseline()
			sw := reg.Software
			changed := f.BaselineClaims(sw).With("redirect_uris", []string{"https://attacker.example/cb"})
			resp, err := f.Manage("PUT", reg.ClientID, f.AccessToken(reg), f.Sign(sw, changed), sw.Transport)
			f.ExpectError(resp, err, status400, badRedirect.codes(f)...)
		})

	framework.ConformanceIt(negative("UK-PUT-N10", "update", "OBIE-DCR-3.3-UPDATE",
		"PUT missing the software_statement (an update carries every claim) is refused", "400 invalid_software_statement|invalid_client_metadata"),
		func(f *framework.Framework) {
			f.RequireUpdate()
			reg := f.RegisterBaseline()
			sw := reg.Software
			resp, err := f.Manage("PUT", reg.ClientID, f.AccessToken(reg), f.Sign(sw, f.BaselineClaims(sw).Without("software_statement")), sw.Transport)
			f.ExpectError(resp, err, status400, updateWithoutSSA.codes(f)...)
		})

	framework.ConformanceIt(negative("UK-PUT-N12", "update", "OBIE-DCR-3.3-AUTH-METHOD, OBIE-DCR-3.3-UPDATE",
		"PUT with a token_endpoint_auth_method the bank does not support is refused, or answered with one it supports",
		"400 invalid_client_metadata, or 200 with a supported method"),
		func(f *framework.Framework) {
			f.RequireUpdate()
			method := unsupportedAuthMethod(f)
			reg := f.RegisterBaseline()
			sw := reg.Software
			changed := f.BaselineClaims(sw).With("token_endpoint_auth_method", method)
			resp, err := f.Manage("PUT", reg.ClientID, f.AccessToken(reg), f.Sign(sw, changed), sw.Transport)
			if err == nil && resp.Status == http.StatusOK {
				if got := f.ExpectJSON(resp)["token_endpoint_auth_method"]; got == method {
					f.Failf(method+" refused, or replaced by a method the bank supports and returned (OBIE-DCR-3.3-AUTH-METHOD)", "200 with token_endpoint_auth_method %v", got)
				}
				return
			}
			f.ExpectError(resp, err, status400, badMetadata.codes(f)...)
		})

	framework.ConformanceIt(negative("UK-PUT-N13", "update", "OBIE-DCR-3.3-ALGS, OBIE-DCR-3.3-UPDATE",
		"PUT with a token_endpoint_auth_signing_alg of RS256 is refused, or answered with PS256 or ES256",
		"400 invalid_client_metadata, or 200 with PS256/ES256"),
		func(f *framework.Framework) {
			f.RequireUpdate()
			reg := f.RegisterBaseline()
			sw := reg.Software
			changed := f.BaselineClaims(sw).With("token_endpoint_auth_signing_alg", "RS256")
			resp, err := f.Manage("PUT", reg.ClientID, f.AccessToken(reg), f.Sign(sw, changed), sw.Transport)
			if err == nil && resp.Status == http.StatusOK {
				expectFAPIAlg(f, "RS256", f.ExpectJSON(resp)["token_endpoint_auth_signing_alg"], "200")
				return
			}
			f.ExpectError(resp, err, status400, badMetadata.codes(f)...)
		})

	framework.ConformanceIt(negative("UK-DEL-N07", "delete", "RFC7592-2.3, OBIE-DCR-3.3-DELETE-STATUS",
		"DELETE twice: the second is 401", "204, then 401"),
		func(f *framework.Framework) {
			f.RequireDelete()
			reg := f.RegisterBaseline()
			tok := f.AccessToken(reg)
			resp, err := f.Manage("DELETE", reg.ClientID, tok, "", reg.Software.Transport)
			f.SetupStatus("the first DELETE", resp, err, http.StatusNoContent)
			resp, err = f.Manage("DELETE", reg.ClientID, tok, "", reg.Software.Transport)
			f.ExpectStatus(resp, err, http.StatusUnauthorized)
		})

	framework.ConformanceIt(negative("UK-DEL-N10", "delete", "OBIE-DCR-3.3-DELETE",
		"after DELETE, the client's access token stays refused when the same software registers again: a GET of the new registration with it is 401",
		"204, register again, then 401"),
		common.TokensStayRevoked)

	framework.ConformanceIt(negative("UK-DEL-N08", "delete", "OBIE-DCR-3.3-DELETE, RFC7592-2.3-GRANTS",
		"after DELETE, every access token of the client is refused", "204, then 401 for every token"),
		func(f *framework.Framework) {
			f.RequireDelete()
			f.RequireRead()
			reg := f.RegisterBaseline()
			first, second := f.AccessToken(reg), f.AccessToken(reg)
			resp, err := f.Manage("DELETE", reg.ClientID, first, "", reg.Software.Transport)
			f.SetupStatus("the DELETE of the registration", resp, err, http.StatusNoContent)
			resp, err = f.Manage("GET", reg.ClientID, second, "", reg.Software.Transport)
			f.ExpectStatus(resp, err, http.StatusUnauthorized)
		})
})

// unsupportedAuthMethod is a token_endpoint_auth_method the bank's discovery document does not advertise,
// or skips the spec when none is known to be unsupported.
func unsupportedAuthMethod(f *framework.Framework) string {
	if f.Discovery() == nil {
		f.Skipf("no discovery document says which token_endpoint_auth_methods the bank supports")
	}
	for _, m := range []string{"client_secret_basic", "client_secret_post", "client_secret_jwt", "none"} {
		if !f.Advertised("token_endpoint_auth_methods_supported", m) {
			return m
		}
	}
	f.Skipf("the bank advertises every token_endpoint_auth_method this spec could use")
	return ""
}
