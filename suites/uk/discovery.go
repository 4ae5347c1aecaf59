package uk

import (
	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/suites/framework"
)

var _ = framework.Describe("UK OBIE DCR 3.3: discovery", func() {
	framework.ConformanceIt(positive("UK-DISC-001", "discovery", "OIDD-3",
		"discovery advertises registration_endpoint and token_endpoint", "200 with both endpoints"),
		func(f *framework.Framework) {
			if f.Target.DiscoveryURL == "" {
				f.Skipf("no discovery URL configured; endpoints were given explicitly")
			}
			resp, err := f.Do(client.Request{Method: "GET", URL: f.Target.DiscoveryURL})
			f.ExpectStatus(resp, err, 200)
			doc := f.ExpectJSON(resp)
			for _, key := range []string{"issuer", "registration_endpoint", "token_endpoint"} {
				if s, _ := doc[key].(string); s == "" {
					f.Failf("a non-empty "+key+" in the discovery document", "%v", doc[key])
				}
			}
		})
})
