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

	"github.com/dcrconform/dcrconform/harness/client"
)

// Failf fails the spec with a message that names the scenario, its requirement, what was expected and
// what was seen, and the last exchange with the target.
func (f *Framework) Failf(expected, actualFormat string, args ...any) {
	ginkgo.Fail(Clean(f.failure(expected, fmt.Sprintf(actualFormat, args...))), framesToSpec())
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

func (f *Framework) failure(expected, actual string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s] %s\n", f.Scenario.ID, f.Scenario.Requirement, f.Scenario.Title)
	fmt.Fprintf(&b, "expected: %s\n", expected)
	fmt.Fprintf(&b, "actual:   %s\n", actual)
	if ex, ok := f.Record.Last(); ok {
		fmt.Fprintf(&b, "request:  %s %s", ex.Method, ex.URL)
		if ex.ClientCert != "" {
			fmt.Fprintf(&b, " (client certificate %s)", ex.ClientCert)
		} else {
			b.WriteString(" (no client certificate)")
		}
		if ex.Error != "" {
			fmt.Fprintf(&b, "\nerror:    %s", ex.Error)
		} else {
			fmt.Fprintf(&b, "\nresponse: %d %s", ex.Status, excerpt(ex.ResponseBody, 300))

		}
	}
	return b.String()
}

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

// ExpectStatus fails unless the request completed with one of the statuses.
func (f *Framework) ExpectStatus(resp *client.Response, err error, want ...int) {
	f.ExpectNoTransportError(err)
	if !slices.Contains(want, resp.Status) {
		f.Failf("status "+statuses(want), "%s", resp.StatusText())
	}
}

// ExpectJSON fails unless the response is a JSON object with a JSON content type, and returns it.
func (f *Framework) ExpectJSON(resp *client.Response) map[string]any {
	obj, err := resp.JSONObject()
	if err != nil {
		f.Failf("a JSON object body", "%v", err)
	}
	if !resp.IsJSON() {
		f.Failf("Content-Type application/json", "Content-Type %q", resp.Header.Get("Content-Type"))
	}
	return obj
}

// ExpectError checks an RFC 7591 section 3.2.2 error response: one of the statuses, a JSON object with
// a JSON content type, an "error" member that is one of codes, and an optional string error_description.
// It returns the code seen, which reports show where a profile accepts several.
func (f *Framework) ExpectError(resp *client.Response, err error, wantStatus []int, codes ...string) string {
	want := "status " + statuses(wantStatus) + " with error " + orList(codes)
	f.ExpectNoTransportError(err)
	if !slices.Contains(wantStatus, resp.Status) {
		f.Failf(want, "%s", resp.StatusText())
	}
	obj, jerr := resp.JSONObject()
	if jerr != nil {
		f.Failf(want+" in a JSON object (RFC7591-3.2.2)", "%v", jerr)
	}
	if !resp.IsJSON() {
		f.Failf(want+" with Content-Type application/json (RFC7591-3.2.2)", "Content-Type %q", resp.Header.Get("Content-Type"))
	}
	code, ok := obj["error"].(string)
	if !ok {
		f.Failf(want, "no string \"error\" member in %s", resp.Excerpt(200))
	}
	if !slices.Contains(codes, code) {
		f.Failf(want, "status %d with error %q", resp.Status, code)
	}
	if d, present := obj["error_description"]; present {
		if _, isString := d.(string); !isString {
			f.Failf("error_description, when present, to be a string (RFC7591-3.2.2)", "%T", d)
		}
	}
	if len(codes) > 1 {
		ginkgo.AddReportEntry("error code seen", Clean(code), ginkgo.ReportEntryVisibilityFailureOrVerbose)
	}
	return code
}

// ExpectRefusal checks that a request was refused with one of the statuses. A 400 must be an RFC 7591
// section 3.2.2 error with one of codes (see ExpectError); any other status (401, 403, 413, 415), which
// servers and the gateways before them answer in their own formats, is accepted whatever its body.
func (f *Framework) ExpectRefusal(resp *client.Response, err error, wantStatus []int, codes ...string) {
	f.ExpectNoTransportError(err)
	if resp.Status != http.StatusBadRequest && slices.Contains(wantStatus, resp.Status) {
		return
	}
	f.ExpectError(resp, err, wantStatus, codes...)
}

// ExpectUnauthorized checks a 401 from a protected resource; when wantChallenge is set, the response
// must carry WWW-Authenticate with the Bearer scheme (RFC 6750 section 3).
func (f *Framework) ExpectUnauthorized(resp *client.Response, err error, wantChallenge bool) {
	f.ExpectStatus(resp, err, 401)
	if wantChallenge && !strings.HasPrefix(strings.ToLower(resp.Header.Get("WWW-Authenticate")), "bearer") {
		f.Failf("a WWW-Authenticate: Bearer challenge with the 401 (RFC6750-3)", "WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
	}
}

// ExpectBearerError checks a refusal by a protected resource (RFC 6750 section 3): one of the statuses,
// with a WWW-Authenticate: Bearer challenge whose error attribute is code.
func (f *Framework) ExpectBearerError(resp *client.Response, err error, code string, want ...int) {
	f.ExpectStatus(resp, err, want...)
	challenge := resp.Header.Get("WWW-Authenticate")
	if !strings.HasPrefix(strings.ToLower(challenge), "bearer") {
		f.Failf(fmt.Sprintf("a WWW-Authenticate: Bearer challenge with error=%q (RFC6750-3)", code), "WWW-Authenticate %q", challenge)
	}
	if !bearerErrorPattern(code).MatchString(challenge) {
		f.Failf(fmt.Sprintf("error=%q in the WWW-Authenticate challenge (RFC6750-3.1)", code), "WWW-Authenticate %q", challenge)
	}
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
