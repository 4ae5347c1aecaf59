package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Exchanges a concurrent spec released at once carry their batch and their start and end times, to the
// microsecond, in the text and HTML reports, so that their overlap can be read; others show neither.
func TestConcurrentExchangesShowTheirSpan(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 123456000, time.UTC)
	batch := transcript.Exchange{Started: t0, Ended: t0.Add(2500 * time.Microsecond), Batch: 1, Method: "POST", URL: "https://bank.example/register", Status: 201, DurationMS: 2.5}
	alone := transcript.Exchange{Started: t0, Method: "GET", URL: "https://bank.example/register/a", Status: 200, DurationMS: 1}
	const span = "batch 1, 10:00:00.123456 to 10:00:00.125956 UTC"
	if got := exchangeLine(batch); !strings.Contains(got, span) {
		t.Errorf("text line %q lacks %q", got, span)
	}
	if got := exchangeLine(alone); strings.Contains(got, "batch") {
		t.Errorf("text line of a lone exchange %q names a batch", got)
	}
	run := &Run{SchemaVersion: SchemaVersion, Specs: []Spec{{ID: "UK-REG-N80", Title: "t", Outcome: OutcomeFailed, Exchanges: []transcript.Exchange{batch, alone}}}}
	var b bytes.Buffer
	if err := WriteHTML(&b, run); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), span); n == 0 {
		t.Errorf("the HTML report lacks %q", span)
	}
}
