package uk

import (
	"net/http"

	"github.com/dcrconform/dcrconform/suites/framework"
)

var _ = framework.Describe("UK OBIE DCR 3.3: management", func() {
	framework.ConformanceIt(positive("UK-GET-001", "read", "RFC7592-2.1",
		"GET of a registration returns 200 with the registered metadata", "200 with the same metadata"),
		func(f *framework.Framework) {
			f.RequireRead()
			reg := f.RegisterBaseline()
			tok := f.AccessToken(reg)
			resp, err := f.Manage("GET", reg.ClientID, tok, "", reg.Software.Transport)
			f.ExpectStatus(resp, err, http.StatusOK)
			got := f.ExpectJSON(resp)
			if got["client_id"] != reg.ClientID {
				f.Failf("client_id "+reg.ClientID, "client_id %v", got["client_id"])
			}
			expectEchoedMetadata(f, &framework.Registration{ClientID: reg.ClientID, Claims: reg.Claims, Metadata: got})
		})

	framework.ConformanceIt(positive("UK-PUT-001", "update", "RFC7592-2.2",
		"PUT with a changed redirect URI returns 200 and a later GET shows it", "200, then GET shows the change"),
		func(f *framework.Framework) {
			f.RequireUpdate()
			sw := f.Software()
			if len(sw.RedirectURIs) < 2 {
				f.Skipf("the software's SSA has a single redirect URI; changing it needs two")
			}
			reg := f.RegisterBaseline()
			tok := f.AccessToken(reg)
			changed := f.BaselineClaims(sw).With("redirect_uris", []string{sw.RedirectURIs[1]})
			resp, err := f.Manage("PUT", reg.ClientID, tok, f.Sign(sw, changed), sw.Transport)
			f.ExpectStatus(resp, err, http.StatusOK)
			f.ExpectJSON(resp)
			if !f.Target.Supports.Read {
				return
			}
			resp, err = f.Manage("GET", reg.ClientID, tok, "", sw.Transport)
			f.ExpectStatus(resp, err, http.StatusOK)
			expectEchoedMetadata(f, &framework.Registration{ClientID: reg.ClientID, Claims: changed, Metadata: f.ExpectJSON(resp)})
		})

	framework.ConformanceIt(positive("UK-DEL-001", "delete", "RFC7592-2.3",
		"DELETE returns 204, and a later GET with the same token is 401", "204, then 401"),
		func(f *framework.Framework) {
			f.RequireDelete()
			reg := f.RegisterBaseline()
			tok := f.AccessToken(reg)
			resp, err := f.Manage("DELETE", reg.ClientID, tok, "", reg.Software.Transport)
			f.ExpectStatus(resp, err, http.StatusNoContent)
			if !f.Target.Supports.Read {
				return
			}
			resp, err = f.Manage("GET", reg.ClientID, tok, "", reg.Software.Transport)
			f.ExpectStatus(resp, err, http.StatusUnauthorized)
		})

	framework.ConformanceIt(negative("UK-GET-N01", "read", "OBIE-DCR-3.3-GET-401",
		"GET of an unknown ClientId is 401, and the access token presented is revoked", "401, then the token is refused"),
		func(f *framework.Framework) {
			f.RequireRead()
			reg := f.RegisterBaseline()
			tok := f.AccessToken(reg)
			resp, err := f.Manage("GET", "unknown-"+framework.NewID(), tok, "", reg.Software.Transport)
			f.ExpectStatus(resp, err, http.StatusUnauthorized)
			resp, err = f.Manage("GET", reg.ClientID, tok, "", reg.Software.Transport)
			f.ExpectStatus(resp, err, http.StatusUnauthorized)
		})
})
