package uk

import (
	"crypto/tls"
	"strings"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/suites/common"
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
			addr, host := common.RegistrationAddr(f)
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
})
