package uk

import (
	"crypto/tls"
	"net"
	"net/url"
	"strings"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/suites/framework"
)

var _ = framework.Describe("UK OBIE DCR 3.3: discovery", func() {
	framework.ConformanceIt(positive("UK-DISC-001", "discovery", "OIDD-3, OBIE-DCR-3.3-DISCOVERY",
		"discovery advertises registration_endpoint and token_endpoint", "200 with both endpoints"),
		func(f *framework.Framework) {
			if f.Target.DiscoveryURL == "" {
				f.Skipf("no discovery URL configured; endpoints were given explicitly")
			}
			resp, err := f.Do(client.Request{Method: "GET", URL: f.Target.DiscoveryURL})
			f.ExpectStatus(resp, err, 200)
			// Read whatever its Content-Type: how the document is served is UK-DISC-002's.
			doc, err := resp.JSONObject()
			if err != nil {
				f.FailAt(resp, "a JSON object body", "%v", err)
			}
			c := f.Verdict().On(resp)
			for _, member := range []struct{ key, requirement string }{
				{"issuer", "OIDD-3"}, {"registration_endpoint", "OBIE-DCR-3.3-DISCOVERY"}, {"token_endpoint", "OIDD-3"},
			} {
				if s, _ := doc[member.key].(string); s == "" {
					c.AddFor([]string{member.requirement}, "a non-empty "+member.key+" in the discovery document", "%v", doc[member.key])
				}
			}
			c.Done()
		})

	framework.ConformanceIt(negative("UK-DISC-N01", "discovery", "FAPI1-BASE-7.1-TLS",
		"a TLS 1.1 handshake with the registration endpoint is refused", "TLS handshake refused (protocol version)"),
		func(f *framework.Framework) {
			addr, host := registrationAddr(f)
			conn, err := f.DialTLS(addr, &tls.Config{RootCAs: f.Target.RootCAs, ServerName: host,
				MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
			if err == nil {
				v := conn.ConnectionState().Version
				_ = conn.Close()
				f.Failf("the TLS 1.1 handshake refused (TLS 1.2 or later only)", "%s negotiated with %s", tls.VersionName(v), addr)
			}
			if msg := err.Error(); !framework.IsTLSRefusal(err) && !strings.Contains(msg, "protocol version") {
				f.Failf("the server refusing the handshake with a TLS alert", "%v", err)
			}
		})

	framework.ConformanceIt(negative("UK-DISC-N02", "discovery", "FAPI1-ADV-8.5",
		"a TLS 1.2 handshake offering only CBC cipher suites, which BCP 195 does not recommend, is refused", "TLS handshake refused"),
		func(f *framework.Framework) {
			addr, host := registrationAddr(f)
			conn, err := f.DialTLS(addr, &tls.Config{RootCAs: f.Target.RootCAs, ServerName: host,
				MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: legacySuites})
			if err == nil {
				suite := tls.CipherSuiteName(conn.ConnectionState().CipherSuite)
				_ = conn.Close()
				f.Failf("the handshake refused (only the cipher suites BCP 195 recommends are permitted)", "%s negotiated with %s", suite, addr)
			}
			if !framework.IsTLSRefusal(err) && !strings.Contains(err.Error(), "handshake failure") {
				f.Failf("the server refusing the handshake with a TLS alert", "%v", err)
			}
		})
})

// legacySuites are TLS 1.2 cipher suites BCP 195 (RFC 7525 and RFC 9325 section 4.2) does not recommend:
// CBC with HMAC-SHA1, with and without forward secrecy.
var legacySuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA,
}

// registrationAddr is the registration endpoint's host:port (443 by default) and host name.
func registrationAddr(f *framework.Framework) (addr, host string) {
	u, err := url.Parse(f.RegistrationEndpoint())
	if err != nil || u.Hostname() == "" {
		f.Failf("a registration endpoint URL", "%q", f.RegistrationEndpoint())
	}
	addr = u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "443")
	}
	return addr, u.Hostname()
}
