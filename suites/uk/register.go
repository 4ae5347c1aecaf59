package uk

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

var _ = framework.Describe("UK OBIE DCR 3.3: registration", func() {
	framework.ConformanceIt(positive("UK-REG-001", "register", "RFC7591-3.2.1, OBIE-DCR-3.3-RESPONSE, OBIE-DCR-3.3-CONTENT-TYPE, OBIE-DCR-3.1-CONTENT-TYPE, FAPI1-BASE-5.2.2-1",
		"a valid signed registration request is accepted with a client_id and consistent metadata", "201 with client_id"),
		func(f *framework.Framework) {
			reg := f.ExpectRegisterBaseline()
			expectEchoedMetadata(f, reg)
		})

	framework.ConformanceIt(positive("UK-REG-002", "register", "RFC8705-2.1.2, OBIE-DCR-3.3-TLS-DN, OBIE-DCR-3.1-TLS-DN, OBIE-DCR-3.4-TLS-DN-FORM",
		"tls_client_auth with the certificate's subject DN is accepted (at 3.4 and answered CN-first)", "201 with tls_client_auth"),
		func(f *framework.Framework) {
			reg := registerTLSClientAuth(f, true)
			expectDNOf34(f, reg.Metadata)
			common.ExpectEchoed(f, reg.Claims, reg.Metadata, []string{"token_endpoint_auth_method", dnMember(f)})
		})

	framework.ConformanceIt(positive("UK-REG-003", "register", "OBIE-DCR-3.3-ALGS, FAPI1-ADV-8.6",
		"a software with an ES256 key registers with ES256 request and auth signing", "201"),
		func(f *framework.Framework) {
			sw := f.NewSoftware(target.SoftwareOptions{KeyType: "EC"})
			reg := f.RegisterAccepted(sw, f.BaselineClaims(sw))
			common.ExpectEchoed(f, reg.Claims, reg.Metadata, []string{"token_endpoint_auth_signing_alg", "request_object_signing_alg", "id_token_signed_response_alg"})
		})

	framework.ConformanceIt(positive("UK-REG-004", "register", "RFC7591-2, OBIE-DCR-3.3-REDIRECT-SSA, RFC7591-3.2.1",
		"several redirect URIs from the SSA are accepted and echoed", "201 with every redirect URI"),
		func(f *framework.Framework) {
			sw := f.Software()
			if len(sw.RedirectURIs) < 2 {
				f.Skipf("the software's SSA has a single redirect URI")
			}
			reg := f.RegisterAccepted(sw, f.BaselineClaims(sw).With("redirect_uris", sw.RedirectURIs))
			common.ExpectEchoed(f, reg.Claims, reg.Metadata, []string{"redirect_uris"})
		})

	framework.ConformanceIt(positive("UK-REG-005", "register", "RFC7591-3.2.1",
		"a private_key_jwt client is not issued a client_secret", "201 without client_secret"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			if _, issued := reg.Metadata["client_secret"]; issued {
				f.Failf("no client_secret for a private_key_jwt client", "client_secret issued")
			}
		})

	// RFC 7515 section 4.1.9: "JWT" is "application/jwt" with its prefix left out, and media type names are
	// case insensitive; a bank may ignore typ, but one that reads it must take either spelling.
	framework.ConformanceIt(positive("UK-REG-071", "register", "RFC7515-4.1.9-RECIPIENT",
		`a request JWT whose typ is "application/jwt", the media type the baseline's "JWT" stands for, is registered`, "201 with client_id"),
		func(f *framework.Framework) {
			sw := f.Software()
			body, err := joseutil.Sign(f.BaselineClaims(sw), sw.SigningKey, "application/jwt")
			if err != nil {
				f.Failf("to sign the request", "%v", err)
			}
			resp, err := f.PostRegistration(sw, body, f.ContentType(), f.Cert(sw))
			f.ExpectNoTransportError(err)
			if resp.Status/100 == 4 {
				f.RequireBaselineRegisters() // the baseline refused too: this refusal proves nothing
			}
			c := f.Verdict().On(resp)
			if resp.Status/100 != 2 {
				c.Add(`the request registered: typ "application/jwt" is the baseline's "JWT"`, "%s: %s", resp.StatusText(), resp.Excerpt(200))
			} else if md, err := resp.JSONObject(); err != nil || len(framework.MetadataTypeErrors(md)) > 0 || md["client_id"] == nil {
				f.RequireBaselineRegisters() // a baseline answered as badly is UK-REG-001's to judge, not this spec's
				c.Add("a registration answer with its client_id", "%s", cmp.Or(strings.Join(framework.MetadataTypeErrors(md), "; "), fmt.Sprint(err), "no client_id"))
			}
			c.Done()
		})

	framework.ConformanceIt(positive("UK-REG-006", "register", "RFC7591-3.2.1-SSA-ECHO",
		"the 201 answer returns the software_statement unmodified", "201 with the same software_statement"),
		func(f *framework.Framework) {
			common.ExpectSSAReturned(f, f.RegisterBaseline())
		})
})

// echoedMembers are request metadata that the 201 body must return unchanged (RFC 7591 section 3.2.1).
var echoedMembers = []string{"redirect_uris", "token_endpoint_auth_method", "token_endpoint_auth_signing_alg",
	"grant_types", "response_types", "software_id", "scope", "application_type"}

func expectEchoedMetadata(f *framework.Framework, reg *framework.Registration) {
	common.ExpectEchoed(f, reg.Claims, reg.Metadata, echoedMembers)
}
