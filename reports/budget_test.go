package reports

import (
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// A run whose every spec holds a megabyte of the bank's bytes gives reports of a few megabytes; a run
// of many small exchanges (a working bank's) is kept whole.
func TestReportBudget(t *testing.T) {
	big := strings.Repeat("c", 1<<20)
	ex := transcript.Exchange{Method: "GET", URL: "https://bank/r/" + big[:4000], ResponseBody: big[:64<<10], Status: 200}
	run := &Run{SchemaVersion: SchemaVersion, Target: Target{Name: "t", Profile: "uk"}}
	for i := range 200 {
		run.Specs = append(run.Specs, Spec{ID: "S-" + strings.Repeat("x", i%7), Outcome: OutcomeFailed, Reason: big, Expected: big, Actual: big,
			Exchanges: []transcript.Exchange{ex, ex}})
	}
	run.Summarize()
	red := run.redacted()
	total := 0
	for _, s := range red.Specs {
		total += len(s.Reason) + len(s.Expected) + len(s.Actual)
		for _, e := range s.Exchanges {
			total += exchangeSize(&e)
		}
	}
	if total > 4<<20 {
		t.Errorf("%d bytes of texts and transcripts, want at most 4 MiB", total)
	}
	last := red.Specs[len(red.Specs)-1]
	if !strings.Contains(last.Exchanges[0].ResponseBody, "not kept") || last.Exchanges[0].URL == "" {
		t.Errorf("the last exchange should keep its URL and say what was dropped: %.200q", last.Exchanges[0].ResponseBody)
	}

	small := transcript.Exchange{Method: "POST", URL: "https://bank/register", RequestBody: big[:3000], ResponseBody: big[:3000], Status: 201}
	run.Specs = nil
	for range 1000 { // 6 MB in all
		run.Specs = append(run.Specs, Spec{ID: "S", Outcome: OutcomeFailed, Reason: "short", Exchanges: []transcript.Exchange{small, small}})
	}
	for _, s := range run.redacted().Specs {
		for _, e := range s.Exchanges {
			if strings.Contains(e.ResponseBody, "not kept") {
				t.Fatal("an exchange of a run of small exchanges was dropped")
			}
		}
	}
}
