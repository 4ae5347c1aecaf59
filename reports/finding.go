package reports

import (
	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// EntryFinding names the report entry of a Finding, which run --procs attaches to a spec's report
// (Finding is its value).
const EntryFinding = "dcrconform.finding"

// FindingUnderLoad is the Kind of a spec that failed on a 5xx answer while other processes ran beside it,
// and passed when run again alone.
const FindingUnderLoad = "fails only under concurrent load"

// Finding is what a run found beside the specs' verdicts; it changes no verdict. A spec that fails only
// under concurrent load keeps the verdict of its run alone, and its finding carries the exchanges answered
// 5xx under load and the same steps' exchanges alone.
type Finding struct {
	SpecID    string                `json:"spec_id"`
	Kind      string                `json:"kind"`
	Message   string                `json:"message"`
	UnderLoad []transcript.Exchange `json:"under_load"`
	Alone     []transcript.Exchange `json:"alone"`
}

// Text is the finding on one line.
func (f Finding) Text() string { return f.SpecID + ": " + f.Kind + ": " + f.Message }

// findingsOf are the findings attached to a spec's report.
func findingsOf(sr types.SpecReport, specID string) []Finding {
	var out []Finding
	for _, e := range sr.ReportEntries {
		var f Finding
		if e.Name == EntryFinding && decodeEntry(e, &f) == nil {
			f.SpecID = specID
			out = append(out, f)
		}
	}
	return out
}

// redacted is a copy of f with its secrets masked.
func (f Finding) redacted() Finding {
	f.Message = RedactText(f.Message)
	f.UnderLoad = redactExchanges(f.UnderLoad)
	f.Alone = redactExchanges(f.Alone)
	return f
}

func redactExchanges(in []transcript.Exchange) []transcript.Exchange {
	out := make([]transcript.Exchange, len(in))
	for i, ex := range in {
		out[i] = RedactExchange(ex)
	}
	return out
}
