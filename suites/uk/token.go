package uk

import (
	"net/http"

	"github.com/dcrconform/dcrconform/suites/framework"
)

var _ = framework.Describe("UK OBIE DCR 3.3: token", func() {
	framework.ConformanceIt(positive("UK-TOK-001", "token", "RFC7523-2.2",
		"client_credentials with a private_key_jwt client assertion issues an access token", "200 with access_token"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			f.AccessToken(reg)
		})

	framework.ConformanceIt(negative("UK-TOK-N01", "token", "OBIE-DCR-3.3-DELETE",
		"a token request for a deleted client is refused", "401 invalid_client"),
		func(f *framework.Framework) {
			f.RequireDelete()
			reg := f.RegisterBaseline()
			tok := f.AccessToken(reg)
			resp, err := f.Manage("DELETE", reg.ClientID, tok, "", reg.Software.Transport)
			f.ExpectStatus(resp, err, http.StatusNoContent)
			resp, err = f.TryToken(reg)
			f.ExpectError(resp, err, []int{http.StatusBadRequest, http.StatusUnauthorized}, "invalid_client")
		})
})
