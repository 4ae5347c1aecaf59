package uk

import (
	"crypto/tls"
	"fmt"
	"net/http"

	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// certFault is a transport certificate minted wrong to order: the same key and subject as the
// software's own, with one fault that path validation or the key's usage makes it unusable for.
type certFault struct {
	fault              pki.CertFault
	req, what          string
	register, tok, get string // the spec IDs at registration, at the token endpoint and in management
}

var certFaults = []certFault{
	{pki.CertExpired, "RFC5280-6.1.3-VALIDITY, RFC8705-2.1", "an expired client certificate", "UK-REG-N47", "UK-TOK-N14", "UK-GET-N08"},
	{pki.CertNotYetValid, "RFC5280-6.1.3-VALIDITY, RFC8705-2.1", "a client certificate not yet valid", "UK-REG-N48", "UK-TOK-N15", "UK-GET-N09"},
	{pki.CertOtherCA, "RFC5280-6.1.3-CHAIN, RFC8705-2.1", "a client certificate from a CA the bank does not trust", "UK-REG-N49", "UK-TOK-N16", "UK-GET-N10"},
	{pki.CertNoClientAuth, "RFC5280-4.2.1.12, RFC8705-2.1", "a client certificate whose extended key usage lacks clientAuth", "UK-REG-N50", "UK-TOK-N17", "UK-GET-N11"},
	{pki.CertCAWithoutCertSign, "RFC5280-4.2.1.3, RFC8705-2.1", "a client certificate issued by a CA whose key usage lacks keyCertSign", "UK-REG-N74", "UK-TOK-N74", "UK-GET-N74"},
	{pki.CertKeyUsageNoClientAuth, "RFC5280-4.2.1.12-BOTH, RFC8705-2.1", "a client certificate whose extended key usage names clientAuth but whose key usage (nonRepudiation alone) allows no TLS client authentication", "UK-REG-N73", "UK-TOK-N73", "UK-GET-N73"},
}

// over is reg as the same client presenting cert instead of its transport certificate.
func over(reg *framework.Registration, cert *tls.Certificate) *framework.Registration {
	sw := *reg.Software
	sw.Transport = cert
	moved := *reg
	moved.Software = &sw
	return &moved
}

const certRefused = "TLS handshake refused or 400/401/403"

var _ = framework.Describe("UK OBIE DCR 3.3: client certificates", func() {
	framework.ConformanceIt(positive("UK-REG-072", "register", "RFC5280-4.1.2.5-PROCESS, RFC8705-2.1",
		"a registration over a client certificate valid until 2051 (its notAfter a GeneralizedTime) is accepted", "2xx"),
		func(f *framework.Framework) {
			f.RequireMTLS()
			sw := f.Software()
			long := *sw
			long.Transport = f.FaultyTransport(sw, pki.CertValidPast2049)
			resp, err := f.TryRegister(&long, f.BaselineClaims(sw))
			if err == nil && resp.Status/100 == 2 {
				return
			}
			if err != nil && !framework.IsTLSRefusal(err) {
				f.ExpectNoTransportError(err)
			}
			if err == nil && resp.Status/100 != 4 {
				f.FailAt(resp, "the registration accepted (2xx), or refused (4xx) as a control registration is", "%s: %s", resp.StatusText(), resp.Excerpt(200))
			}
			// Refused. A bank that takes only the transport certificate the directory publishes refuses any
			// other for policy: a copy of the software's certificate, with the usual validity, tells that
			// apart from a refusal of the GeneralizedTime.
			refusal := fmt.Sprint(err)
			if err == nil {
				refusal = resp.StatusText() + ": " + resp.Excerpt(200)
			}
			control := *sw
			control.Transport = f.FaultyTransport(sw, pki.CertReissued)
			cresp, cerr := f.TryRegister(&control, f.BaselineClaims(sw))
			if cerr != nil || cresp.Status/100 != 2 {
				f.Skipf("inconclusive: the bank refused the certificate valid until 2051 (%s) and a copy of the software's valid for the usual term too: it takes only the certificate it knows (the directory's published one, say), which says nothing of GeneralizedTime", refusal)
			}
			f.FailAt(resp, "the registration over the certificate valid until 2051 accepted, as one over a copy of the software's certificate valid for the usual term was (RFC5280-4.1.2.5-PROCESS)", "%s", refusal)
		})

	for _, c := range certFaults {
		framework.ConformanceIt(negative(c.register, "register", c.req,
			fmt.Sprintf("a registration over %s (same key and subject as the software's) is refused", c.what), certRefused),
			func(f *framework.Framework) {
				f.RequireMTLS()
				sw := f.Software()
				cert := f.FaultyTransport(sw, c.fault)
				body := f.Encode(sw, f.BaselineClaims(sw))
				if resp, err := f.PostRegistration(sw, body, f.ContentType(), nil); err == nil && resp.Status/100 == 2 {
					f.Skipf("the bank registers without a client certificate (UK-REG-N39's to judge): a faulty one says nothing more")
				}
				resp, err := f.PostRegistration(sw, body, f.ContentType(), cert)
				f.ExpectRefusedWithoutCertificate(resp, err)
			})

		framework.ConformanceIt(negative(c.tok, "token", c.req,
			fmt.Sprintf("a token request with valid client credentials over %s is refused", c.what), certRefused),
			func(f *framework.Framework) {
				f.RequireMTLS()
				reg := f.RegisterBaseline()
				resp, err := f.TryToken(over(reg, f.FaultyTransport(reg.Software, c.fault)))
				f.ExpectRefusedWithoutCertificate(resp, err)
			})

		framework.ConformanceIt(negative(c.get, "read", c.req,
			fmt.Sprintf("GET of the registration with the client's access token over %s is refused", c.what), certRefused),
			func(f *framework.Framework) {
				f.RequireRead()
				f.RequireMTLS()
				reg := f.RegisterBaseline()
				faulty := over(reg, f.FaultyTransport(reg.Software, c.fault))
				// A token the bank issues over the faulty certificate is bound to it; otherwise the
				// client's own token, bound to its good certificate, is all there is to present.
				tok := ""
				if resp, err := f.TryToken(faulty); err == nil && resp.Status == http.StatusOK {
					if body, jerr := resp.JSONObject(); jerr == nil {
						tok, _ = body["access_token"].(string)
					}
				}
				if tok == "" {
					tok = f.AccessToken(reg)
				}
				if resp, err := f.Manage("GET", reg.ClientID, tok, "", nil); err == nil && resp.Status == http.StatusOK {
					f.Skipf("the bank serves management without a client certificate (UK-GET-N07's to judge): a faulty one says nothing more")
				}
				resp, err := f.Manage("GET", reg.ClientID, tok, "", faulty.Software.Transport)
				f.ExpectRefusedWithoutCertificate(resp, err)
			})
	}
})
