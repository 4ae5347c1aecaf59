package uk

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// Requests sent at once (label concurrent): a rule written as check-then-act lets requests that arrive
// together all pass the check.
var _ = framework.Describe("UK concurrent requests", func() {
	framework.ConformanceIt(common.Concurrent(positive("UK-REG-080", "register", "RFC7591-3.2.1, RFC7592-2.1, RFC7592-2.2, RFC7592-2.3",
		"registrations of distinct software sent at once are each accepted with a client_id of its own, and each client can then be read, updated and deleted",
		"201 each, distinct client_ids; then 200, 200, 204 each")),
		func(f *framework.Framework) {
			common.DistinctAtOnce(f, []string{"RFC7592-2.1"}, []string{"RFC7592-2.2"}, []string{"RFC7592-2.3"})
		})

	framework.ConformanceIt(common.Concurrent(negative("UK-REG-N80", "register", "RFC7519-4.1.7-REPLAY",
		"the same signed registration request (one jti) sent several times at once is accepted at most once, the rest refused (the bank's choice: no UK text obliges it)",
		"at most one 201; the rest 400 invalid_client_metadata")),
		func(f *framework.Framework) {
			common.SameRequestAtOnce(f, append(badMetadata.codes(f), duplicate.codes(f)...))
		})

	framework.ConformanceIt(common.Concurrent(negative("UK-TOK-N80", "token", "RFC7523-3-JTI",
		"the same client assertion (one jti) sent several times at once yields at most one token, the rest refused",
		"at most one 200; the rest 400/401 invalid_client|invalid_grant")),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			form := f.TokenForm(reg, signAssertion(f, reg.Software.SigningKey, "", f.AssertionClaims(reg)))
			reqs := make([]client.Request, f.Concurrency())
			for i := range reqs {
				reqs[i] = f.TokenRequest(form, reg.Software.Transport)
			}
			codes := invalidClient.plus("invalid_grant").codes(f)
			c := f.Verdict()
			issued := 0
			for _, a := range f.Together(reqs) {
				switch {
				case a.Err != nil:
					c.Add("an answer to each token request", "%v", a.Err)
				case a.Resp.Status == http.StatusOK:
					issued++
				default:
					obj, _ := a.Resp.JSONObject()
					code, _ := obj["error"].(string)
					if (a.Resp.Status != http.StatusBadRequest && a.Resp.Status != http.StatusUnauthorized) || !slices.Contains(codes, code) {
						c.On(a.Resp).Add("the others refused with 400 or 401 and error "+strings.Join(codes, " or "), "%s: %s", a.Resp.StatusText(), a.Resp.Excerpt(200))
					}
				}
			}
			if issued > 1 {
				c.On(nil).Add(fmt.Sprintf("at most one token for one client assertion sent %d times at once", len(reqs)), "%d tokens issued", issued)
			}
			c.Done()
		})

	framework.ConformanceIt(common.Concurrent(negative("UK-PUT-N80", "update", "OBIE-DCR-3.3-DELETE, RFC7592-2.3",
		"a PUT and a DELETE of one client sent at once leave it deleted everywhere: no token is issued to it once the DELETE answered 204",
		"DELETE 204; then the token endpoint refuses the client")),
		func(f *framework.Framework) { common.PutDeleteAtOnce(f) })

	framework.ConformanceIt(common.Concurrent(negative("UK-TOK-N81", "token", "OBIE-DCR-3.3-DELETE, RFC7592-2.3",
		"token requests sent at once with the client's DELETE: no token issued among them still works once the DELETE answered 204",
		"DELETE 204; then every token of the race is refused (401)")),
		func(f *framework.Framework) {
			f.RequireDelete()
			f.RequireRead()
			reg := f.RegisterBaseline()
			reqs := make([]client.Request, f.Concurrency())
			for i := range len(reqs) - 1 {
				reqs[i] = f.TokenRequest(f.TokenForm(reg, signAssertion(f, reg.Software.SigningKey, "", f.AssertionClaims(reg))), reg.Software.Transport)
			}
			reqs[len(reqs)-1] = f.ManageRequest("DELETE", reg, "")
			// The DELETE follows the token requests by common.RaceDelay, so that it arrives while they are served.
			after := make([]time.Duration, len(reqs))
			after[len(reqs)-1] = common.RaceDelay
			answers := f.TogetherAfter(reqs, after)
			del := answers[len(answers)-1]
			f.SetupStatus("the DELETE sent at once with token requests", del.Resp, del.Err, http.StatusNoContent)
			c := f.Verdict()
			for i, a := range answers[:len(answers)-1] {
				if !a.OK(http.StatusOK) {
					continue
				}
				obj, _ := a.Resp.JSONObject()
				tok, _ := obj["access_token"].(string)
				resp, err := f.ManageAt("GET", f.ManagementURL(reg), tok, "", reg.Software.Transport)
				if err == nil && resp.Status == http.StatusOK {
					c.On(resp).Add("no token of a deleted client works once its DELETE answered 204",
						"the token of request %d (answered at %s UTC, the DELETE at %s) still reads the client: 200",
						i+1, a.Resp.Exchange.Ended.UTC().Format("15:04:05.000000"), del.Resp.Exchange.Ended.UTC().Format("15:04:05.000000"))
				}
			}
			c.Done()
		})

	// OBIE leaves a second registration of one software to the bank (MAY): what is checked is that a bank
	// that refuses one after another refuses it when the registrations arrive together too.
	framework.ConformanceIt(common.Concurrent(negative("UK-REG-N81", "register", "OBIE-DCR-3.3-DUPLICATE",
		"registrations of one software sent at once, at a bank that refuses a second registration of a software: at most one is accepted",
		"at most one 201 where a later registration of the software is refused")),
		func(f *framework.Framework) {
			sw := f.Software()
			n := f.Concurrency()
			sws, bodies := make([]*target.Software, n), make([]string, n)
			for i := range n {
				sws[i], bodies[i] = sw, f.Encode(sw, f.BaselineClaims(sw))
			}
			accepted := 0
			for _, a := range f.RegisterTogether(sws, bodies) {
				if a.Err == nil && a.Resp.Status/100 == 2 {
					accepted++
				}
			}
			if accepted < 2 {
				return
			}
			// Several were accepted: legal, unless the bank refuses a second registration of a software.
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw))
			if err != nil || resp.Status/100 != 4 {
				return // accepted (the bank allows several), or no refusal to compare with
			}
			c := f.Verdict().On(resp)
			c.Add(fmt.Sprintf("at most one of %d registrations of one software sent at once accepted, at a bank that refuses a later one (%s)", n, resp.StatusText()),
				"%d accepted at once", accepted)
			c.Done()
		})
})
