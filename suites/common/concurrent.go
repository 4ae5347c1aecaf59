package common

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// RaceDelay is how long after the requests it races a DELETE is released: long enough for them to reach
// the bank, short of how long a bank takes to serve them.
const RaceDelay = 50 * time.Millisecond

// Concurrent labels a scenario as one that sends requests at once (framework.ConcurrentLabel).
func Concurrent(s framework.Scenario) framework.Scenario {
	s.Labels = append(slices.Clone(s.Labels), framework.ConcurrentLabel)
	return s
}

// SameRequestAtOnce sends one signed registration request (one jti) Concurrency() times at once: at
// most one may be accepted, and every other must be refused with 400 and one of codes.
func SameRequestAtOnce(f *framework.Framework, codes []string) {
	sw := f.Software()
	body := f.Encode(sw, f.BaselineClaims(sw))
	n := f.Concurrency()
	sws, bodies := make([]*target.Software, n), make([]string, n)
	for i := range n {
		sws[i], bodies[i] = sw, body
	}
	AtMostOneAccepted(f, f.RegisterTogether(sws, bodies), "the same request (one jti)", codes)
}

// SameSoftwareAtOnce sends Concurrency() registrations of one software at once, each a request of its
// own (its own jti): at most one may be accepted, and every other refused with 400 and one of codes.
func SameSoftwareAtOnce(f *framework.Framework, codes []string) {
	sw := f.Software()
	n := f.Concurrency()
	sws, bodies := make([]*target.Software, n), make([]string, n)
	for i := range n {
		sws[i], bodies[i] = sw, f.Encode(sw, f.BaselineClaims(sw))
	}
	AtMostOneAccepted(f, f.RegisterTogether(sws, bodies), "registrations of one software", codes)
}

// AtMostOneAccepted judges registrations sent at once of which the rule lets one through: more than one
// accepted breaks it, and so does any other answer than a refusal with 400 and one of codes. Each
// check is held to the spec's requirement.
func AtMostOneAccepted(f *framework.Framework, answers []framework.Answer, what string, codes []string) {
	c := f.Verdict()
	var accepted []string
	for _, a := range answers {
		if a.Err != nil {
			c.Add("an answer to each request", "%v", a.Err)
			continue
		}
		if a.Resp.Status/100 == 2 {
			obj, _ := a.Resp.JSONObject()
			id, _ := obj["client_id"].(string)
			accepted = append(accepted, id)
			continue
		}
		c.On(a.Resp)
		obj, _ := a.Resp.JSONObject()
		code, readable := obj["error"].(string)
		switch {
		case a.Resp.Status == http.StatusBadRequest && !readable && !f.JudgesErrorFormat():
			f.Note("a refusal's error code cannot be read (%s): the error format is judged by the specs naming it", a.Resp.Excerpt(100))
		case a.Resp.Status != http.StatusBadRequest || !slices.Contains(codes, code):
			c.Add(fmt.Sprintf("the others refused with 400 and error %s", strings.Join(codes, " or ")), "%s: %s", a.Resp.StatusText(), a.Resp.Excerpt(200))
		}
	}
	if len(accepted) > 1 {
		c.On(nil)
		c.Add(fmt.Sprintf("at most one of %d %s sent at once accepted", len(answers), what),
			"%d accepted (client_ids %s)", len(accepted), strings.Join(accepted, ", "))
	}
	if len(accepted) == 0 && !c.Failed() {
		f.Note("none of the %d %s sent at once was accepted", len(answers), what)
	}
	c.Done()
}

// DistinctAtOnce registers Concurrency() distinct software identities at once: each must be accepted
// (a 2xx: the 201 is judged by the spec owning the registration's answer, and noted here) with a
// client_id of its own, and each client can then be read, updated and deleted.
func DistinctAtOnce(f *framework.Framework, read, update, del []string) {
	n := f.Concurrency()
	sws, bodies, claims := make([]*target.Software, n), make([]string, n), make([]framework.Claims, n)
	for i := range n {
		sws[i] = f.Software()
		if i > 0 {
			sws[i] = f.AnotherSoftware()
		}
		claims[i] = f.BaselineClaims(sws[i])
		bodies[i] = f.Encode(sws[i], claims[i])
	}
	answers := f.RegisterTogether(sws, bodies)
	c := f.Verdict()
	var regs []*framework.Registration
	owner := map[string]int{} // client_id -> the first request answered with it
	not201 := 0
	for i, a := range answers {
		if a.Err != nil {
			c.Add(fmt.Sprintf("201 to each of %d distinct registrations sent at once", n), "request %d: %v", i+1, a.Err)
			continue
		}
		obj, jerr := a.Resp.JSONObject()
		id, _ := obj["client_id"].(string)
		switch first, dup := owner[id]; {
		case a.Resp.Status/100 == 2 && jerr != nil: // the answer itself is unreadable: say why
			c.On(a.Resp).Add(fmt.Sprintf("each of %d distinct registrations sent at once accepted (201) with a client_id", n), "request %d: %s: %v", i+1, a.Resp.StatusText(), jerr)
		case a.Resp.Status/100 == 2 && len(framework.MetadataTypeErrors(obj)) > 0:
			c.On(a.Resp).Add(fmt.Sprintf("each of %d distinct registrations sent at once accepted (201) with a client_id", n), "request %d: %s: %s", i+1, a.Resp.StatusText(), strings.Join(framework.MetadataTypeErrors(obj), "; "))
		case a.Resp.Status/100 != 2 || id == "":
			c.On(a.Resp).Add(fmt.Sprintf("each of %d distinct registrations sent at once accepted (201) with a client_id", n), "request %d: %s: %s", i+1, a.Resp.StatusText(), a.Resp.Excerpt(200))
		case dup:
			c.On(a.Resp).Add("a client_id of its own for each registration", "requests %d and %d were both answered client_id %s", first+1, i+1, id)
		default:
			owner[id] = i
			regs = append(regs, f.Registered(a, claims[i]))
			if a.Resp.Status != http.StatusCreated {
				not201++
			}
		}
	}
	if not201 > 0 {
		f.Note("%d of the %d registrations sent at once were answered with a 2xx other than 201 (judged by the spec owning the registration's answer)", not201, n)
	}
	c.Done()
	for _, reg := range regs {
		manageOnce(f, reg, read, update, del)
	}
}

// manageOnce reads, updates and deletes reg, each answer held to its requirement.
func manageOnce(f *framework.Framework, reg *framework.Registration, read, update, del []string) {
	c := f.Verdict()
	if f.Target.Supports.Read {
		resp, err := f.ManageReg("GET", reg, "")
		if err != nil || resp.Status != http.StatusOK {
			c.On(resp).AddFor(read, "GET of each client registered at once: 200", "client %s: %s", reg.ClientID, statusOrError(resp, err))
		}
	}
	if f.Target.Supports.Update {
		resp, err := f.ManageReg("PUT", reg, f.UpdateBody(reg, f.BaselineClaims(reg.Software)))
		if err != nil || resp.Status != http.StatusOK {
			c.On(resp).AddFor(update, "PUT of each client registered at once: 200", "client %s: %s", reg.ClientID, statusOrError(resp, err))
		}
	}
	if f.Target.Supports.Delete {
		resp, err := f.ManageReg("DELETE", reg, "")
		if err != nil || resp.Status/100 != 2 {
			c.On(resp).AddFor(del, "DELETE of each client registered at once: 204", "client %s: %s", reg.ClientID, statusOrError(resp, err))
		}
	}
	c.Done()
}

// PutDeleteAtOnce sends a PUT and a DELETE of one client at once: the end state must be one of the two,
// whole. A DELETE answered 2xx leaves a client that is gone everywhere (no token for it, RFC 7592: its
// registration access token reads nothing); a DELETE refused because the PUT rotated the registration
// access token first leaves the client updated and readable.
func PutDeleteAtOnce(f *framework.Framework) {
	f.RequireUpdate()
	f.RequireDelete()
	reg := f.RegisterBaseline()
	put := f.ManageRequest("PUT", reg, f.UpdateBody(reg, f.BaselineClaims(reg.Software)))
	del := f.ManageRequest("DELETE", reg, "")
	answers := f.TogetherAfter([]client.Request{put, del}, []time.Duration{0, RaceDelay}) // the DELETE while the PUT is served
	putAnswer, delAnswer := answers[0], answers[1]
	deleted := delAnswer.Err == nil && delAnswer.Resp.Status/100 == 2
	rotates := f.Profile().ManagementAuth == framework.ManageRegistrationToken
	if !deleted && !(rotates && putAnswer.OK(http.StatusOK)) {
		f.SetupStatus("the DELETE sent at once with a PUT", delAnswer.Resp, delAnswer.Err, http.StatusNoContent)
	}
	c := f.Verdict()
	if rotates { // the latest registration access token the answers gave
		resp, err := f.ManageAt("GET", f.ManagementURL(reg), reg.RegistrationToken, "", f.Cert(reg.Software))
		readable := err == nil && resp.Status == http.StatusOK
		switch {
		case deleted && readable:
			c.On(resp).Add("a client whose DELETE was answered 2xx gone everywhere, whatever a PUT sent at once did",
				"the DELETE was answered %d, the PUT %s, and the registration access token still reads the client (200)", delAnswer.Resp.Status, statusOrError(putAnswer.Resp, putAnswer.Err))
		case !deleted && !readable:
			c.On(resp).Add("a client whose PUT was answered 200 (and DELETE refused) updated everywhere",
				"GET with the registration access token the PUT issued: %s", statusOrError(resp, err))
		}
		c.Done()
		return
	}
	resp, err := f.TryToken(reg)
	if deleted && err == nil && resp.Status == http.StatusOK {
		c.On(resp).Add("a client whose DELETE was answered 2xx gone everywhere, whatever a PUT sent at once did",
			"the DELETE was answered %d, the PUT %s, and the token endpoint still issues the client tokens", delAnswer.Resp.Status, statusOrError(putAnswer.Resp, putAnswer.Err))
	}
	c.Done()
}
