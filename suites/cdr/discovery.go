package cdr

import (
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// The discovery document's form and the endpoints' TLS cipher suites, as the UK profile checks them
// (suites/common): a data holder publishes OpenID Connect Discovery and follows FAPI 1.0 Advanced.
var _ = framework.Describe("AU CDR DCR 0.2: the discovery document", func() {
	common.DeclareDiscoverySpecs(profile, "CDR")
})
