package common

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/suites/framework"
)

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
			id, _ := clientIDOf(a)
			accepted = append(accepted, id)
			continue
		}
		c.On(a.Resp)
		obj, _ := a.Resp.JSONObject()
		code, _ := obj["error"].(string)
		if a.Resp.Status != http.StatusBadRequest || !slices.Contains(codes, code) {
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

func clientIDOf(a framework.Answer) (string, bool) {
	obj, err := a.Resp.JSONObject()
	if err != nil {
		return "", false
	}
	id, ok := obj["client_id"].(string)
	return id, ok
}
