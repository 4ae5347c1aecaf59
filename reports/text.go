package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// exchangeLine is a one-line summary of an exchange: method, URL, certificate, status, time.
func exchangeLine(ex transcript.Exchange) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", ex.Method, ex.URL)
	if ex.ClientCert != "" {
		fmt.Fprintf(&b, " (client certificate %s)", ex.ClientCert)
	} else if strings.HasPrefix(ex.URL, "https:") { // over plain HTTP there can be none
		b.WriteString(" (no client certificate)")
	}
	if ex.Error != "" {
		fmt.Fprintf(&b, " -> error: %s", ex.Error)
	} else {
		fmt.Fprintf(&b, " -> %d", ex.Status)
	}
	fmt.Fprintf(&b, " in %s", formatMS(ex.DurationMS))
	if ex.Batch > 0 {
		fmt.Fprintf(&b, " (%s)", concurrentSpan(ex))
	}
	return b.String()
}

// concurrentSpan is when an exchange released with others at once started and ended, to the
// microsecond, so that the overlap of a batch can be read.
func concurrentSpan(ex transcript.Exchange) string {
	const clock = "15:04:05.000000"
	return fmt.Sprintf("batch %d, %s to %s UTC", ex.Batch, ex.Started.UTC().Format(clock), ex.Ended.UTC().Format(clock))
}

// transcriptSummary lists every exchange on one line each.
func transcriptSummary(exs []transcript.Exchange) string {
	if len(exs) == 0 {
		return "no HTTP exchange recorded"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "transcript (%d HTTP exchange%s):\n", len(exs), plural(len(exs)))
	for i, ex := range exs {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, exchangeLine(ex))
	}
	return b.String()
}

// transcriptText is the whole transcript as text: headers, bodies and decoded JWTs.
func transcriptText(exs []transcript.Exchange) string {
	if len(exs) == 0 {
		return "no HTTP exchange recorded\n"
	}
	var b strings.Builder
	for i, ex := range exs {
		fmt.Fprintf(&b, "=== exchange %d of %d: %s\n", i+1, len(exs), exchangeLine(ex))
		fmt.Fprintf(&b, "> %s %s\n", ex.Method, ex.URL)
		writeHeaders(&b, "> ", ex.RequestHeaders)
		if ex.RequestBody != "" {
			fmt.Fprintf(&b, ">\n%s\n", indentBody(ex.RequestBody))
		}
		if ex.Error == "" {
			fmt.Fprintf(&b, "< %d\n", ex.Status)
			writeHeaders(&b, "< ", ex.ResponseHeaders)
			if ex.ResponseBody != "" {
				fmt.Fprintf(&b, "<\n%s\n", indentBody(ex.ResponseBody))
			}
			if ex.Truncated {
				b.WriteString("< (response body truncated)\n")
			}
		}
		for _, j := range ex.JWTs {
			fmt.Fprintf(&b, "decoded JWT (%s):\n  header: %s\n  claims: %s\n", j.Role, compactJSON(j.Header), prettyJSON(j.Claims, "  "))
		}
	}
	return b.String()
}

func writeHeaders(b *strings.Builder, prefix string, h map[string][]string) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s%s: %s\n", prefix, k, v)
		}
	}
}

// Bounds on pretty-printing a body: deeper or larger JSON is shown as the bank sent it, since its
// indentation would grow with the square of its depth.
const (
	maxIndentDepth = 32
	maxIndentOut   = 256 << 10
)

// indentBody pretty-prints a JSON body (its bytes kept: numbers are never re-encoded); other bodies,
// and JSON too deep or too large to indent cheaply, are returned as they are.
func indentBody(body string) string {
	t := strings.TrimSpace(body)
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") || !indentable(t) {
		return body
	}
	var out bytes.Buffer
	if json.Indent(&out, []byte(t), "", "  ") == nil {
		return out.String()
	}
	return body
}

// indentable reports whether t's nesting is at most maxIndentDepth and its indented form at most
// maxIndentOut bytes, in one pass over t.
func indentable(t string) bool {
	depth, deepest, lines, inString := 0, 0, 0, false
	for i := 0; i < len(t); i++ {
		c := t[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > maxIndentDepth {
				return false
			}
			deepest = max(deepest, depth)
			lines++
		case '}', ']':
			depth--
			lines++
		case ',':
			lines++
		}
	}
	return len(t)+lines*(2*deepest+1) <= maxIndentOut
}

func prettyJSON(v any, prefix string) string { return encodeJSON(v, prefix, "  ") }

func compactJSON(v any) string { return encodeJSON(v, "", "") }

// encodeJSON marshals without encoding/json's HTML escaping (each writer escapes for its own format).
func encodeJSON(v any, prefix, indent string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, indent)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func formatMS(ms float64) string {
	switch {
	case ms >= 1000:
		return fmt.Sprintf("%.2f s", ms/1000)
	case ms >= 10:
		return fmt.Sprintf("%.0f ms", ms)
	default:
		return fmt.Sprintf("%.1f ms", ms)
	}
}

// failureHeadline is a failure in one line: requirement, expected, actual.
func failureHeadline(s Spec) string {
	var b strings.Builder
	if s.Requirement != "" {
		b.WriteString("[" + s.Requirement + "] ")
	}
	switch {
	case s.Expected != "" || s.Actual != "":
		fmt.Fprintf(&b, "expected %s / actual %s", s.Expected, s.Actual)
		for _, i := range s.Breaches {
			fmt.Fprintf(&b, " / exchange %d: %s", i+1, exchangeLine(s.Exchanges[i]))
		}
	case s.Reason != "":
		line, _, _ := strings.Cut(s.Reason, "\n")
		b.WriteString(line)
	default:
		b.WriteString(s.Outcome)
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// operationOrder is the order of operations in reports: a registration's life cycle.
var operationOrder = map[string]int{"discovery": 1, "register": 2, "token": 3, "read": 4, "update": 5, "delete": 6, "suite": 99}

// compareGroups orders "profile/operation" groups by profile, then life-cycle order of the operation.
func compareGroups(aProfile, aOp, bProfile, bOp string) int {
	if c := strings.Compare(aProfile, bProfile); c != 0 {
		return c
	}
	ra, rb := operationOrder[aOp], operationOrder[bOp]
	if ra == 0 {
		ra = 50
	}
	if rb == 0 {
		rb = 50
	}
	if ra != rb {
		return ra - rb
	}
	return strings.Compare(aOp, bOp)
}
