package rfc7591

import (
	"crypto/tls"
	"net"
	"net/url"
	"strings"

	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// RFC 7591 and RFC 7592 section 5: the server MUST support TLS 1.2 (and MAY support more).
var _ = framework.Describe("RFC 7591/7592: transport", func() {
	framework.ConformanceIt(positive("RFC-REG-007", "register", "RFC7591-5-TLS12, RFC7592-5-TLS12",
		"a client limited to TLS 1.2 completes the handshake with the registration endpoint and with the client configuration endpoint",
		"TLS 1.2 negotiated with both"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			addrs := []string{}
			for i, endpoint := range []string{f.RegistrationEndpoint(), f.ManagementURL(reg)} {
				u, err := url.Parse(endpoint)
				if err != nil || u.Scheme != "https" || u.Hostname() == "" {
					f.Skipf("the %s is not an https URL: the harness reaches it without TLS", []string{"registration endpoint", "registration_client_uri"}[i])
				}
				if addr := common.Addr(u); len(addrs) == 0 || addrs[0] != addr {
					addrs = append(addrs, addr)
				}
			}
			// The client certificate the profile's requests present, so that a server requiring one in
			// the handshake judges the TLS version, not its absence.
			var certs []tls.Certificate
			if cert := f.Cert(reg.Software); cert != nil {
				certs = []tls.Certificate{*cert}
			}
			c := f.Verdict()
			failed, inconclusive := false, ""
			for _, addr := range addrs {
				host, _, _ := net.SplitHostPort(addr)
				conn, err := f.DialTLS(addr, &tls.Config{RootCAs: f.Target.RootCAs, ServerName: host, Certificates: certs,
					MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12})
				switch {
				case err == nil:
					_ = conn.Close()
				case framework.IsTLSRefusal(err) && strings.Contains(err.Error(), "certificate"):
					inconclusive = addr + " refused the TLS 1.2 handshake for the client certificate (" + err.Error() + "), not for its version"
				default:
					failed = true
					c.Add("a TLS 1.2 handshake with "+addr+" (RFC7591-5-TLS12: the server MUST support TLS 1.2)", "%v", err)
				}
			}
			if !failed && inconclusive != "" {
				f.Skipf("inconclusive: %s", inconclusive)
			}
			c.Done()
		})
})
