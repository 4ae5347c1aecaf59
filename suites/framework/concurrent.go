package framework

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/harness/transcript"
)

// ConcurrentLabel marks a spec that sends requests at once: a bank that must not be loaded leaves them
// out with --labels '!concurrent'.
const ConcurrentLabel = "concurrent"

// Concurrency is how many requests a concurrent spec releases at once: target.concurrency, else
// target.DefaultConcurrency, never more than target.MaxConcurrency.
func (f *Framework) Concurrency() int {
	n := f.Target.Concurrency
	if n < 2 {
		n = target.DefaultConcurrency
	}
	return min(n, target.MaxConcurrency)
}

// Answer is what one request of a batch drew: a response or the error that stopped it.
type Answer struct {
	Resp *client.Response
	Err  error
}

// OK reports whether the request was answered with the status.
func (a Answer) OK(status int) bool { return a.Err == nil && a.Resp.Status == status }

// Together sends reqs at once and returns their answers in the same order. Every request is built and
// its goroutine waiting at a barrier before any is released, so that they reach the bank together.
// They are bounded in number (target.MaxConcurrency) and in total time (the request timeout and a
// margin, whatever the bank does). Each exchange is recorded with its batch number and its start and
// end times. Nothing here fails the spec: its checks judge the answers.
func (f *Framework) Together(reqs []client.Request) []Answer { return f.TogetherAfter(reqs, nil) }

// TogetherAfter is Together with request i released after[i] later than the others (after may be
// shorter than reqs; at most maxStagger): for a request that must reach the bank while the others are
// being served.
func (f *Framework) TogetherAfter(reqs []client.Request, after []time.Duration) []Answer {
	if len(reqs) > target.MaxConcurrency {
		f.Failf(fmt.Sprintf("at most %d requests released at once", target.MaxConcurrency), "%d", len(reqs))
	}
	answers := make([]Answer, len(reqs))
	if msg := brk.stopped(); msg != "" {
		for i := range answers {
			answers[i].Err = &stoppedError{msg}
		}
		return answers
	}
	ctx, cancel := context.WithTimeout(f.Ctx, f.Client.Timeout()+togetherMargin)
	defer cancel()
	recs := make([]*transcript.Recorder, len(reqs))
	var ready, done sync.WaitGroup
	release := make(chan struct{})
	for i, req := range reqs {
		recs[i] = &transcript.Recorder{}
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			select {
			case <-release:
			case <-ctx.Done():
				answers[i].Err = ctx.Err()
				return
			}
			if i < len(after) && after[i] > 0 {
				t := time.NewTimer(min(after[i], maxStagger))
				defer t.Stop()
				select {
				case <-t.C:
				case <-ctx.Done():
					answers[i].Err = ctx.Err()
					return
				}
			}
			answers[i].Resp, answers[i].Err = f.Client.Do(ctx, req, recs[i])
		}()
	}
	ready.Wait()
	close(release)
	done.Wait()
	batch := f.nextBatch()
	for i, rec := range recs {
		for _, ex := range rec.Exchanges() {
			ex.Batch = batch
			ex.Ended = ex.Started.Add(time.Duration(ex.DurationMS * float64(time.Millisecond)))
			f.Record.Append(ex)
			if answers[i].Resp != nil {
				answers[i].Resp.Exchange = ex
			}
		}
		if client.IsPolicyRefusal(answers[i].Err) {
			f.Failf("requests only to the bank's own origins, over TLS", "%v", answers[i].Err)
		}
		brk.observe(f.Scenario.ID, answers[i].Err)
		if m := reqs[i].Method; m == http.MethodGet || m == http.MethodPut || m == http.MethodDelete {
			f.observeManagement(m, reqs[i].URL, answers[i].Resp, answers[i].Err)
		}
	}
	return answers
}

// togetherMargin is the time a batch may take beyond one request's timeout: the goroutines' start and
// any stagger (at most maxStagger).
const (
	togetherMargin = 5 * time.Second
	maxStagger     = time.Second
)

func (f *Framework) nextBatch() int {
	f.batches++
	return f.batches
}

// RegistrationRequest is a registration of sw with body, as PostRegistration sends it.
func (f *Framework) RegistrationRequest(sw *target.Software, body string) client.Request {
	h := http.Header{"Accept": {"application/json"}, "Content-Type": {f.ContentType()}}
	if a := f.RegistrationAuthorization(); a != "" {
		h.Set("Authorization", a)
	}
	return client.Request{Method: "POST", URL: f.RegistrationEndpoint(), Header: h, Body: []byte(body), Cert: f.Cert(sw)}
}

// RegisterTogether posts the registration bodies at once, bodies[i] for sws[i]. Every client the
// answers name is tracked (deleted when the spec ends): each 2xx with a client_id, and each 5xx whose
// body names one (a server error after the client was stored). A 5xx naming none may have left a
// client the harness cannot find: it is reported as a leak with what identifies the request.
func (f *Framework) RegisterTogether(sws []*target.Software, bodies []string) []Answer {
	reqs := make([]client.Request, len(bodies))
	for i, body := range bodies {
		reqs[i] = f.RegistrationRequest(sws[i], body)
	}
	answers := f.Together(reqs)
	for i, a := range answers {
		if a.Err != nil {
			continue
		}
		obj, _ := a.Resp.JSONObject()
		reg := f.registrationFrom(sws[i], nil, obj)
		switch {
		case a.Resp.Status/100 == 2 && reg.ClientID != "":
			f.track(reg)
		case a.Resp.Status/100 == 5 && reg.ClientID != "":
			f.track(reg)
			f.lookFor(reg, a.Resp)
		case a.Resp.Status/100 == 5:
			f.unaccounted(fmt.Sprintf("software %s, request %d of batch %d, answered %d at %s", sws[i].ID, i+1,
				a.Resp.Exchange.Batch, a.Resp.Status, a.Resp.Exchange.Started.UTC().Format(time.RFC3339Nano)),
				"a registration answered with a server error may have stored a client; the answer names none, and a DCR server offers no listing to find it")
		}
	}
	return answers
}

// Registered is the client a batch's answer registered (tracked by RegisterTogether), with the claims
// sent; nil when the answer registered none.
func (f *Framework) Registered(a Answer, claims Claims) *Registration {
	if a.Err != nil || a.Resp.Status/100 != 2 {
		return nil
	}
	id, _ := clientIDOf(a)
	reg := f.tracked(id)
	if reg != nil {
		reg.Claims = claims
	}
	return reg
}

func clientIDOf(a Answer) (string, bool) {
	obj, err := a.Resp.JSONObject()
	if err != nil {
		return "", false
	}
	id, ok := obj["client_id"].(string)
	return id, ok
}

// AnotherSoftware is one more software identity for the spec, whose keys other identities of the run
// may share (it registers beside the spec's own); the spec is skipped when the target has no directory.
func (f *Framework) AnotherSoftware() *target.Software {
	if f.Profile().SSA != "" && f.Target.Directory == nil {
		f.Skipf("needs a mock directory to create more software identities; this target's SSA is fixed")
	}
	return f.newSoftware(target.SoftwareOptions{})
}

// lookFor reads a client that a 5xx registration answer names, where the profile lets it be read: one
// that exists was stored although its registration failed, and is reported as a leak until the
// cleanup deletes it.
func (f *Framework) lookFor(reg *Registration, resp *client.Response) {
	if !f.Target.Supports.Read || (f.Profile().ManagementAuth == ManageRegistrationToken && reg.RegistrationToken == "") {
		f.unaccounted(reg.ClientID, fmt.Sprintf("named by a %d registration answer; the profile gives no way to read it", resp.Status))
		return
	}
	token := reg.RegistrationToken
	if f.Profile().ManagementAuth != ManageRegistrationToken {
		tr, err := f.TryToken(reg)
		if err != nil || tr.Status != http.StatusOK {
			return // no token for it: the client is not usable, or not there
		}
		body, _ := tr.JSONObject()
		token, _ = body["access_token"].(string)
	}
	got, err := f.ManageAt("GET", f.ManagementURL(reg), token, "", f.Cert(reg.Software))
	if err == nil && got.Status == http.StatusOK {
		f.unaccounted(reg.ClientID, fmt.Sprintf("its registration was answered %d, yet the client exists (GET answered 200); the harness deletes it", resp.Status))
	}
}

// unaccounted warns of a client the bank may hold that the spec did not register, with whatever
// identifies it.
func (f *Framework) unaccounted(what, why string) {
	why = Clean(why)
	fmt.Fprintf(ginkgo.GinkgoWriter, "warning: %s: %s: %s\n", f.Scenario.ID, Clean(what), why)
	ginkgo.AddReportEntry(EntryLeak, Leak{ClientID: Clean(what), Reason: why}, ginkgo.ReportEntryVisibilityAlways)
}

// TokenRequest is a token request with form and cert, as PostToken sends it.
func (f *Framework) TokenRequest(form url.Values, cert *tls.Certificate) client.Request {
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}}
	return client.Request{Method: "POST", URL: f.Target.Token, Header: h, Body: []byte(form.Encode()), Cert: cert}
}

// ManageRequest is a GET, PUT or DELETE of reg as ManageReg sends it (a body goes with the profile's
// content type); the management credential is got first, as a set-up step.
func (f *Framework) ManageRequest(method string, reg *Registration, body string) client.Request {
	h := http.Header{"Accept": {"application/json"}, "Authorization": {"Bearer " + f.ManagementToken(reg)}}
	var b []byte
	if body != "" {
		b = []byte(body)
		h.Set("Content-Type", f.ContentType())
	}
	return client.Request{Method: method, URL: f.ManagementURL(reg), Header: h, Body: b, Cert: f.Cert(reg.Software)}
}
