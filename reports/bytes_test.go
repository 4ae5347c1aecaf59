package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Pretty-printing is bounded: a body nested deeper than maxIndentDepth, or one whose indentation would
// pass maxIndentOut, is shown as it came; an ordinary one is indented with its bytes (numbers) kept.
func TestIndentBodyIsBounded(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	if got := indentBody(deep); got != deep {
		t.Errorf("a 100,000-deep body was indented (%d bytes)", len(got))
	}
	wide := "[" + strings.Repeat(`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],`, 1000) + "1]"
	if got := indentBody(wide); got != wide {
		t.Errorf("a body whose indentation passes the bound was indented (%d bytes)", len(got))
	}
	if got := indentBody(`{"n":918273645546372819,"f":1.000}`); got != "{\n  \"n\": 918273645546372819,\n  \"f\": 1.000\n}" {
		t.Errorf("indentBody = %q", got)
	}
}

func BenchmarkIndentDeepBody(b *testing.B) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		indentBody(deep)
	}
}

// The bank's numbers survive every report, and the JSON report read back (dcrconform report).
func TestReportsKeepTheBanksNumbers(t *testing.T) {
	const n = "918273645546372819"
	jwt := "eyJhbGciOiJub25lIn0.eyJleHAiOjkxODI3MzY0NTU0NjM3MjgxOX0.c2ln" // {"exp":918273645546372819}
	var rec transcript.Recorder
	rec.Add(transcript.Exchange{Method: "POST", URL: "https://bank.example/r", Status: 201,
		ResponseBody: `{"client_id_issued_at":` + n + `,"software_statement":"` + jwt + `"}`})
	run := &Run{SchemaVersion: SchemaVersion, Specs: []Spec{{ID: "X-1", Profile: "uk", Operation: "register", Outcome: OutcomeFailed,
		Reason: "boom", Exchanges: rec.Exchanges()}}}
	var js bytes.Buffer
	if err := WriteJSON(&js, run); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(bytes.NewReader(js.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*Run{"run": run, "read back": back} {
		for _, w := range []struct {
			format string
			write  func(*bytes.Buffer, *Run) error
		}{
			{"JSON", func(b *bytes.Buffer, r *Run) error { return WriteJSON(b, r) }},
			{"HTML", func(b *bytes.Buffer, r *Run) error { return WriteHTML(b, r) }},
			{"JUnit", func(b *bytes.Buffer, r *Run) error {
				return WriteJUnitWith(b, r, JUnitOptions{Transcripts: TranscriptsAll})
			}},
		} {
			var b bytes.Buffer
			if err := w.write(&b, r); err != nil {
				t.Fatal(err)
			}
			if c := strings.Count(b.String(), n); c < 2 {
				t.Errorf("%s of the %s: %d copies of %s (body and JWT claim), want 2 or more", w.format, name, c, n)
			}
		}
	}
}
