package cdr

import (
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// Requests sent at once (label concurrent): a "one registration per software product" rule written as
// check-then-insert lets registrations that arrive together all through.
var _ = framework.Describe("CDR concurrent requests", func() {
	framework.ConformanceIt(common.Concurrent(positive("CDR-REG-080", "register", "CDR-DCR-REGISTER, CDR-DCR-GET, CDR-DCR-PUT, CDR-DCR-DELETE",
		"registrations of distinct software products sent at once are each accepted with a client_id of its own, and each client can then be read, updated and deleted",
		"201 each, distinct client_ids; then 200, 200, 204 each")),
		func(f *framework.Framework) {
			common.DistinctAtOnce(f, []string{"CDR-DCR-GET"}, []string{"CDR-DCR-PUT"}, []string{"CDR-DCR-DELETE"})
		})

	framework.ConformanceIt(common.Concurrent(negative("CDR-REG-N80", "register", "CDR-DCR-DUPLICATE, CDR-DCR-ONE-REGISTRATION",
		"registrations of one software product sent at once: at most one is accepted, the rest refused",
		"at most one 201; the rest 400 invalid_client_metadata|invalid_software_statement|unapproved_software_statement")),
		func(f *framework.Framework) {
			common.SameSoftwareAtOnce(f, f.Profile().Codes(framework.FaultDuplicate))
		})
})
