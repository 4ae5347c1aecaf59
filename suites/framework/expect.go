package framework

import (
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/dcrconform/dcrconform/fixtures/requirements"
	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Failf fails the spec with a message that names the scenario, its requirement, what was expected and
// what was seen, and the last exchange with the target (FailAt names another). It is for what the spec
// cannot go on without; a check of the clause the spec is about goes through Verdict, which holds it to
// the clause's level.
func (f *Framework) Failf(expected, actualFormat string, args ...any) {
	f.fail([]mismatch{{expected: expected, actual: fmt.Sprintf(actualFormat, args...)}})
}

// FailAt is Failf naming the exchange whose answer broke the requirement: resp's (nil: the last).
func (f *Framework) FailAt(resp *client.Response, expected, actualFormat string, args ...any) {
	f.fail([]mismatch{{expected: expected, actual: fmt.Sprintf(actualFormat, args...), exchange: exchangeOf(resp)}})
}

// fail fails the spec with the mismatches, naming each one's exchange (the spec's last where a check
// names none), and records those exchanges' places in the transcript (EntryBreach).
func (f *Framework) fail(list []mismatch) {
	if last, ok := f.Record.Last(); ok {
		for i := range list {
			if list[i].exchange == nil {
				list[i].exchange = &last
			}
		}
	}
	msg := Clean(f.failure(list))
	if breaches := f.breachIndexes(list); len(breaches) > 0 {
		ginkgo.AddReportEntry(EntryBreach, breaches, ginkgo.ReportEntryVisibilityNever)
	}
	ginkgo.Fail(msg, framesToSpec())
}

// EntryBreach names the report entry listing the transcript indexes (from 0) of the exchanges whose
// answers broke the requirement of a failed spec.
const EntryBreach = "dcrconform.breach"

// mismatch is one check an answer failed, with the requirement, level and class of level it was held
// to (class "" or MUST: a failure; SHOULD or MAY: a warning), and the exchange of the answer (nil:
// not known, the spec's last).
type mismatch struct {
	expected, actual, requirement, level, class string
	exchange                                    *transcript.Exchange
}

// exchangeOf is the record of the exchange resp answered (nil without one).
func exchangeOf(resp *client.Response) *transcript.Exchange {
	if resp == nil {
		return nil
	}
	ex := resp.Exchange
	return &ex
}

// Checks collects every check one answer fails, so that the spec reports them all in one failure
// rather than the first alone.
type Checks struct {
	f       *Framework
	list    []mismatch
	leveled bool                 // Add holds a check to the spec's level (Verdict), not to MUST
	on      *transcript.Exchange // the answer the checks judge (nil: the spec's last)
}

// Checks starts a collection of checks of one answer, each a MUST unless added with AddFor; Done
// fails the spec with all that failed. On names the answer they judge (by default the spec's last).
func (f *Framework) Checks() *Checks { return &Checks{f: f} }

// ChecksOf starts a collection of checks of resp.
func (f *Framework) ChecksOf(resp *client.Response) *Checks { return f.Checks().On(resp) }

// On names resp as the answer that the checks added from now on judge.
func (c *Checks) On(resp *client.Response) *Checks {
	c.on = exchangeOf(resp)
	return c
}

// Add records a failed check: at MUST level, or in a Verdict at the spec's level.
func (c *Checks) Add(expected, actualFormat string, args ...any) {
	if c.leveled {
		c.AddFor(nil, expected, actualFormat, args...)
		return
	}
	c.list = append(c.list, mismatch{expected: expected, actual: fmt.Sprintf(actualFormat, args...), class: requirements.ClassMust, exchange: c.on})
}

// Failed reports whether a check at MUST level failed so far.
func (c *Checks) Failed() bool {
	return slices.ContainsFunc(c.list, func(m mismatch) bool { return m.class == requirements.ClassMust })
}

// Done records every failed check below MUST level as a warning, and fails the spec when any at MUST
// level failed, naming every one.
func (c *Checks) Done() {
	var fails []mismatch
	for _, m := range c.list {
		if m.class == requirements.ClassMust {
			fails = append(fails, m)
		} else {
			c.f.warn(m)
		}
	}
	c.list = nil
	if len(fails) > 0 {
		c.f.fail(fails)
	}
}

// framesToSpec is the Fail skip that makes the reported location the spec's own line, not a helper's.
func framesToSpec() int {
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Dir(self)
	for skip := 1; skip < 32; skip++ {
		_, file, _, ok := runtime.Caller(skip + 1)
		if !ok {
			break
		}
		if filepath.Dir(file) != dir {
			return skip
		}
	}
	return 1
}

func (f *Framework) failure(list []mismatch) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s] %s\n", f.Scenario.ID, f.Scenario.Requirement, f.Scenario.Title)
	for _, m := range list { // what the bank sent is cut, so that a 1 MB client_id is not repeated in full
		fmt.Fprintf(&b, "expected: %s\n", transcript.ClipText(m.expected, maxMessagePart))
		fmt.Fprintf(&b, "actual:   %s\n", transcript.ClipText(m.actual, maxMessagePart))
	}
	for i, ex := range evidence(list) {
		if i > 0 {
			b.WriteString("\n")
		}
		writeExchange(&b, ex)
	}
	if len(list) == 0 || list[0].exchange == nil { // not through fail: the spec's last exchange
		if ex, ok := f.Record.Last(); ok {
			writeExchange(&b, ex)
		}
	}
	return b.String()
}

// evidence is the exchanges a failure shows: those whose answers its checks judged, each once.
func evidence(list []mismatch) []transcript.Exchange {
	var out []transcript.Exchange
	for _, m := range list {
		if m.exchange != nil && !slices.ContainsFunc(out, func(ex transcript.Exchange) bool { return sameExchange(ex, *m.exchange) }) {
			out = append(out, *m.exchange)
		}
	}
	return out
}

// breachIndexes are the transcript indexes of the exchanges the failed checks judged.
func (f *Framework) breachIndexes(list []mismatch) []int {
	var out []int
	exs := f.Record.Exchanges()
	for _, ex := range evidence(list) {
		for i := range exs {
			if sameExchange(exs[i], ex) && !slices.Contains(out, i) {
				out = append(out, i)
			}
		}
	}
	return out
}

// sameExchange reports whether a and b record the same request (the recorder keeps copies).
func sameExchange(a, b transcript.Exchange) bool {
	return a.Started.Equal(b.Started) && a.Method == b.Method && a.URL == b.URL
}

func writeExchange(b *strings.Builder, ex transcript.Exchange) {
	fmt.Fprintf(b, "request:  %s %s", ex.Method, transcript.ClipText(ex.URL, maxMessagePart))
	if ex.ClientCert != "" {
		fmt.Fprintf(b, " (client certificate %s)", ex.ClientCert)
	} else if strings.HasPrefix(ex.URL, "https:") {
		b.WriteString(" (no client certificate)")
	}
	if ex.Error != "" {
		fmt.Fprintf(b, "\nerror:    %s", transcript.ClipText(ex.Error, maxMessagePart))
	} else {
		fmt.Fprintf(b, "\nresponse: %d %s", ex.Status, excerpt(ex.ResponseBody, 300))
	}
}

// maxMessagePart caps each bank string a failure message quotes.
const maxMessagePart = 1 << 10

func excerpt(s string, n int) string {
	if s == "" {
		return "(empty body)"
	}
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// ExpectNoTransportError fails the spec when the request did not complete.
func (f *Framework) ExpectNoTransportError(err error) {
	if err != nil {
		f.Failf("an HTTP response", "%v", err)
	}
}

// ExpectStatus fails unless the request completed with one of the statuses. Where all of them are
// refusals (4xx, 5xx), the target's override for the spec, if any, replaces them.
func (f *Framework) ExpectStatus(resp *client.Response, err error, want ...int) {
	f.ExpectNoTransportError(err)
	if !slices.ContainsFunc(want, func(s int) bool { return s < 400 }) {
		want, _ = f.refusal(want, nil)
	}
	c := f.Verdict().On(resp)
	if !slices.Contains(want, resp.Status) {
		c.Add("status "+statuses(want), "%s", resp.StatusText())
	}
	c.Done()
}

// ExpectRefusedWithoutCertificate passes when the server refused the TLS handshake of a request sent
// without a client certificate, and otherwise expects it refused with 400, 401 or 403.
func (f *Framework) ExpectRefusedWithoutCertificate(resp *client.Response, err error) {
	if err != nil && f.refusedWithoutCertificate(err) {
		return
	}
	f.ExpectStatus(resp, err, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden)
}

// IsTLSRefusal reports whether err is the server refusing the TLS connection (an alert such as
// "certificate required", or the connection closed under the request: see tlsrefusal.go), as opposed
// to the server being unreachable.
func IsTLSRefusal(err error) bool { return tlsRefusal(err) }

// refusal is what the spec accepts as a refusal: the given statuses and error codes, or those the
// target's configuration gives for the spec (overrides.specs).
func (f *Framework) refusal(want []int, codes []string) ([]int, []string) {
	if o, ok := f.Settings().Specs[f.Scenario.ID]; ok {
		if len(o.Statuses) > 0 {
			want = o.Statuses
		}
		if len(o.Errors) > 0 {
			codes = o.Errors
		}
	}
	return want, codes
}

// ExpectJSON fails unless the response is a JSON object with a JSON content type, and returns it.
func (f *Framework) ExpectJSON(resp *client.Response) map[string]any {
	c := f.ChecksOf(resp)
	obj := c.JSON(resp)
	c.Done()
	return obj
}

// JSON checks that the response is a JSON object with a JSON content type, and returns it (nil when not).
func (c *Checks) JSON(resp *client.Response) map[string]any {
	c.On(resp)
	obj, err := resp.JSONObject()
	if err != nil {
		c.Add("a JSON object body", "%v", err)
	}
	if !resp.IsJSON() {
		c.Add("Content-Type application/json", "Content-Type %q", resp.Header.Get("Content-Type"))
	}
	return obj
}

// ExpectError checks an RFC 7591 section 3.2.2 error response: one of the statuses, a JSON object with
// a JSON content type, an "error" member that is one of codes, and an optional string error_description.
// It reports every check the answer fails, and returns the code seen, which reports show where a
// profile accepts several. The target's override for the spec replaces the statuses and codes.
//
// The error format is judged by the specs naming a requirement that owns it (errorFormat); in any
// other spec, a refusal whose code cannot be read (no JSON object, no error member) is inconclusive, and
// a content type or error_description out of format is noted (one deviation, one failure).
func (f *Framework) ExpectError(resp *client.Response, err error, wantStatus []int, codes ...string) string {
	wantStatus, codes = f.refusal(wantStatus, codes)
	want := "status " + statuses(wantStatus) + " with error " + orList(codes)
	f.ExpectNoTransportError(err)
	c := f.Verdict().On(resp)
	if !slices.Contains(wantStatus, resp.Status) {
		c.Add(want, "%s", resp.StatusText())
	}
	if resp.Status < 400 { // not an error answer: its body is no error to check
		c.Done()
		return ""
	}
	owns := f.JudgesErrorFormat()
	outOfFormat := func(expected, actualFormat string, args ...any) {
		if owns {
			c.AddFor(errorFormat, expected, actualFormat, args...)
		} else {
			f.Note("the refusal is out of format: expected %s, got %s (judged by the specs naming %s)",
				expected, fmt.Sprintf(actualFormat, args...), strings.Join(errorFormat, " or "))
		}
	}
	unreadable := func(format string, args ...any) {
		if !owns && !c.Failed() {
			f.Skipf("inconclusive: the %d refusal's error code cannot be read (%s), so this spec's code cannot be judged; "+
				"RFC 7591 section 3.2.2's format is judged by the specs naming %s", resp.Status, fmt.Sprintf(format, args...), strings.Join(errorFormat, " or "))
		}
	}
	obj, jerr := resp.JSONObject()
	if jerr != nil {
		unreadable("%v", jerr)
		outOfFormat("the error in a JSON object", "%v", jerr)
	}
	if !resp.IsJSON() {
		outOfFormat("the error with Content-Type application/json", "Content-Type %q", resp.Header.Get("Content-Type"))
	}
	code, ok := obj["error"].(string)
	switch {
	case jerr != nil:
	case !ok:
		unreadable("no string \"error\" member")
		c.Add("error "+orList(codes), "no string \"error\" member in %s", resp.Excerpt(200))
	case !slices.Contains(codes, code):
		c.Add("error "+orList(codes), "error %q", code)
	}
	if d, present := obj["error_description"]; present {
		if _, isString := d.(string); !isString {
			outOfFormat("error_description, when present, to be a string", "%T", d)
		}
	}
	c.Done()
	if len(codes) > 1 {
		ginkgo.AddReportEntry("error code seen", Clean(code), ginkgo.ReportEntryVisibilityFailureOrVerbose)
	}
	return code
}

// errorFormat are the requirements that own RFC 7591 section 3.2.2's error format (a JSON object with
// an error member, served as application/json).
var errorFormat = []string{"RFC7591-3.2.2", "OBIE-DCR-3.3-ERRORS"}

// JudgesErrorFormat reports whether the spec names a requirement owning RFC 7591 section 3.2.2's error
// format; other specs note an error they cannot read rather than fail on it.
func (f *Framework) JudgesErrorFormat() bool { return f.Names(errorFormat...) }

// Names reports whether the spec names any of the requirements.
func (f *Framework) Names(requirements ...string) bool {
	return slices.ContainsFunc(f.Scenario.Requirements(), func(r string) bool { return slices.Contains(requirements, r) })
}

// ExpectRefusal checks that a request was refused with one of the statuses. A 400 must be an RFC 7591
// section 3.2.2 error with one of codes (see ExpectError); any other status (401, 403, 413, 415), which
// servers and the gateways before them answer in their own formats, is accepted whatever its body.
func (f *Framework) ExpectRefusal(resp *client.Response, err error, wantStatus []int, codes ...string) {
	wantStatus, codes = f.refusal(wantStatus, codes)
	f.ExpectNoTransportError(err)
	if resp.Status != http.StatusBadRequest && slices.Contains(wantStatus, resp.Status) {
		return
	}
	f.ExpectError(resp, err, wantStatus, codes...)
}

// ExpectUnauthorized checks a 401 from a protected resource (at the spec's level); when wantChallenge
// is set, the response must carry WWW-Authenticate with the Bearer scheme (RFC 6750 section 3, a
// MUST). Both are checked.
func (f *Framework) ExpectUnauthorized(resp *client.Response, err error, wantChallenge bool) {
	f.ExpectNoTransportError(err)
	want, _ := f.refusal([]int{http.StatusUnauthorized}, nil)
	c := f.Verdict().On(resp)
	if !slices.Contains(want, resp.Status) {
		c.Add("status "+statuses(want), "%s", resp.StatusText())
	}
	if wantChallenge && !strings.HasPrefix(strings.ToLower(resp.Header.Get("WWW-Authenticate")), "bearer") {
		c.AddFor(challengeRequirement, "a WWW-Authenticate: Bearer challenge with the 401", "WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
	}
	c.Done()
}

// The clauses of a Bearer refusal: the challenge is a MUST (RFC 6750 section 3); its error code is
// RECOMMENDED by RFC 6750 (section 3: the server SHOULD include the error attribute). The CDR DCR API
// defines its 401 header "as per RFC6750", so it binds the code no further.
var (
	challengeRequirement  = []string{"RFC6750-3"}
	bearerCodeRequirement = []string{"RFC6750-3.1"}
)

// ExpectBearerError checks a refusal by a protected resource (RFC 6750 section 3), each part at its
// level: one of the statuses (the spec's level), a WWW-Authenticate: Bearer challenge (MUST), and its
// error attribute code (RECOMMENDED: a warning). It reports every check the answer fails; the target's override for the spec replaces the
// statuses and the code.
func (f *Framework) ExpectBearerError(resp *client.Response, err error, code string, want ...int) {
	f.ExpectNoTransportError(err)
	want, codes := f.refusal(want, []string{code})
	c := f.Verdict().On(resp)
	if !slices.Contains(want, resp.Status) {
		c.Add("status "+statuses(want), "%s", resp.StatusText())
	}
	challenge := resp.Header.Get("WWW-Authenticate")
	switch {
	case !strings.HasPrefix(strings.ToLower(challenge), "bearer"):
		c.AddFor(challengeRequirement, "a WWW-Authenticate: Bearer challenge", "WWW-Authenticate %q", challenge)
	case !slices.ContainsFunc(codes, func(code string) bool { return bearerErrorPattern(code).MatchString(challenge) }):
		c.AddFor(bearerCodeRequirement, fmt.Sprintf("error=%s in the WWW-Authenticate challenge", orList(codes)), "WWW-Authenticate %q", challenge)
	}
	c.Done()
}

func bearerErrorPattern(code string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)(^|[\s,])error\s*=\s*"?` + regexp.QuoteMeta(code) + `"?(\s*,|\s*$)`)
}

func statuses(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, " or ")
}

func orList(codes []string) string {
	q := make([]string, len(codes))
	for i, c := range codes {
		q[i] = strconv.Quote(c)
	}
	return strings.Join(q, " or ")
}
