package rfc7591

import (
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// Requests sent at once (label concurrent): a server whose store loses a race answers 500, or hands
// two clients one client_id.
var _ = framework.Describe("RFC 7591 concurrent requests", func() {
	framework.ConformanceIt(common.Concurrent(positive("RFC-REG-080", "register", "RFC7591-3.2.1, RFC7592-2.1, RFC7592-2.2, RFC7592-2.3",
		"registrations of distinct clients sent at once are each accepted with a client_id of its own, and each client can then be read, updated and deleted",
		"201 each, distinct client_ids; then 200, 200, 204 each")),
		func(f *framework.Framework) {
			common.DistinctAtOnce(f, []string{"RFC7592-2.1"}, []string{"RFC7592-2.2"}, []string{"RFC7592-2.3"})
		})

	framework.ConformanceIt(common.Concurrent(negative("RFC-PUT-N80", "update", "RFC7592-2.3",
		"a PUT and a DELETE of one client sent at once leave it whole: deleted (its registration access token reads nothing) or, the DELETE refused, updated",
		"DELETE 204 and then GET 401, or PUT 200 and then GET 200")),
		func(f *framework.Framework) { common.PutDeleteAtOnce(f) })
})
