package reports

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// fuzzRun is a run whose every bank-supplied text is s: reason, expected, actual, error code, URL,
// headers, bodies, error, JWT claims.
func fuzzRun(s string) *Run {
	ex := transcript.Exchange{Started: time.Unix(0, 0), Method: "POST", URL: "https://bank.example/r?q=" + s,
		RequestHeaders: map[string][]string{"X-Echo": {s}}, RequestBody: s, Status: 400,
		ResponseHeaders: map[string][]string{"Www-Authenticate": {s}, s: {"v"}}, ResponseBody: s, Error: s,
		JWTs: []transcript.DecodedJWT{{Role: s, Header: map[string]any{"alg": s}, Claims: map[string]any{s: s}}}}
	spec := func(id, outcome string) Spec {
		return Spec{ID: id, Title: "title " + s, Requirement: "REQ-" + s, Profile: "uk", Operation: "register", Kind: "negative",
			Labels: []string{s}, Expect: s, Outcome: outcome, Reason: s + "\nexpected: " + s + "\nactual: " + s,
			Expected: s, Actual: s, ErrorCodeSeen: s, Exchanges: []transcript.Exchange{ex}}
	}
	r := &Run{SchemaVersion: SchemaVersion, ToolVersion: s, Target: Target{Name: s, Profile: "uk", DiscoveryURL: s},
		Specs: []Spec{spec("A-1", OutcomeFailed), spec("A-2", OutcomeSkipped), spec("A-3", OutcomePassed), spec("A-4", OutcomePanicked)}}
	r.Summarize()
	return r
}

var fuzzSeeds = []string{"", "plain", "\x00\x01\x1b[31mred\x1b[0m\x7f", "\xff\xfe\xc3", "]]>", "<![CDATA[x]]>", "</script><script>alert(1)</script>",
	"</pre><img src=x onerror=alert(1)>", `"'&<>`, "\u202eevil\u2066", "\r\n\t", "\ufffe\uffff", "eyJhbGciOiJub25lIn0.eyJhIjoiPC9zY3JpcHQ+In0.",
	`{"access_token":"x","a":"]]>"}`}

// FuzzJUnit: whatever text a target sends, the JUnit report is well-formed XML in valid UTF-8.
func FuzzJUnit(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b bytes.Buffer
		if err := WriteJUnitWith(&b, fuzzRun(s), JUnitOptions{Transcripts: "all"}); err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(b.Bytes()) {
			t.Fatalf("JUnit is not valid UTF-8 for %q", s)
		}
		d := xml.NewDecoder(bytes.NewReader(b.Bytes()))
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("JUnit does not parse for %q: %v\n%s", s, err, b.String())
			}
		}
	})
}

var (
	htmlTagRE   = regexp.MustCompile(`<(/?)([A-Za-z][A-Za-z0-9]*)`)
	templateTag = func() map[string]bool {
		m := map[string]bool{}
		for _, t := range htmlTagRE.FindAllStringSubmatch(htmlSource, -1) {
			m[strings.ToLower(t[2])] = true
		}
		return m
	}()
)

// FuzzHTML: whatever text a target sends, the HTML report is valid UTF-8 without control characters,
// and holds no element the template does not write (no script, no breakout from <pre> or attributes).
func FuzzHTML(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b bytes.Buffer
		if err := WriteHTML(&b, fuzzRun(s)); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !utf8.ValidString(out) {
			t.Fatalf("HTML is not valid UTF-8 for %q", s)
		}
		for i := 0; i < len(out); i++ {
			if c := out[i]; c < 0x20 && c != '\n' && c != '\t' && c != '\r' || c == 0x7f {
				t.Fatalf("HTML holds control byte %#x for %q", c, s)
			}
		}
		for _, m := range htmlTagRE.FindAllStringSubmatch(out, -1) {
			if !templateTag[strings.ToLower(m[2])] {
				t.Fatalf("HTML holds a <%s%s> the template never writes, for %q", m[1], m[2], s)
			}
		}
		if strings.Contains(strings.ToLower(out), "<script") {
			t.Fatalf("HTML holds a script for %q", s)
		}
	})
}
