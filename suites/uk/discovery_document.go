package uk

import (
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// The discovery document's form and the endpoints' TLS cipher suites (suites/common, shared with cdr):
// UK-DISC-002 onwards.
var _ = framework.Describe("UK OBIE DCR 3.3: the discovery document", func() {
	common.DeclareDiscoverySpecs(profile, "UK")
})
