package reports

import (
	"strconv"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Caps on what one report holds of what the bank sent, so that a bank answering megabytes (a 1 MB
// client_id in every answer) gives reports of a few megabytes. Each text a spec reports is cut to
// maxReportText, and to maxReportID once the run's texts reach maxTextBytes. In spec order,
// exchanges larger than smallExchange are kept whole until the run's transcripts reach maxBudgetBytes,
// smaller ones until they reach maxSmallBytes (a run against a working bank, a few megabytes, stays
// whole); past that, an exchange keeps its method, URL, status and error and says what was dropped.
// A merged record has these budgets once per run merged.
const (
	maxReportText  = 16 << 10
	maxReportID    = 1 << 10
	maxTextBytes   = 1 << 20
	maxBudgetBytes = 2 << 20
	smallExchange  = 16 << 10
	maxSmallBytes  = 16 << 20
)

// budget is what a report has spent of its caps, in spec order.
type budget struct {
	texts, transcripts int
	runs               int // runs merged (1 for a single run)
}

func newBudget(r *Run) *budget { return &budget{runs: max(1, len(r.Runs))} }

// spec cuts the texts of s and, once the transcript budget is spent, its exchanges' headers, bodies
// and JWTs.
func (b *budget) spec(s *Spec) {
	limit := maxReportText
	if b.texts > maxTextBytes*b.runs {
		limit = maxReportID
	}
	for _, text := range []*string{&s.Reason, &s.Expected, &s.Actual, &s.ErrorCodeSeen} {
		*text = transcript.ClipText(*text, limit)
		b.texts += len(*text)
	}
	for i := range s.Exchanges {
		ex := &s.Exchanges[i]
		size := exchangeSize(ex)
		if after := b.transcripts + size; after <= maxBudgetBytes*b.runs || size <= smallExchange && after <= maxSmallBytes*b.runs {
			b.transcripts = after
			continue
		}
		note := "[" + strconv.Itoa(size) + " bytes of this exchange not kept: the report's " +
			strconv.Itoa(maxBudgetBytes*b.runs>>20) + " MiB for transcripts is spent]"
		ex.RequestHeaders, ex.ResponseHeaders, ex.JWTs = nil, nil, nil
		ex.RequestBody, ex.ResponseBody = "", note
		ex.URL, ex.Error = transcript.ClipText(ex.URL, maxReportID), transcript.ClipText(ex.Error, maxReportID)
		b.transcripts += exchangeSize(ex)
	}
}

func exchangeSize(ex *transcript.Exchange) int {
	n := len(ex.URL) + len(ex.RequestBody) + len(ex.ResponseBody) + len(ex.Error)
	for _, h := range []map[string][]string{ex.RequestHeaders, ex.ResponseHeaders} {
		for k, vs := range h {
			for _, v := range vs {
				n += len(k) + len(v)
			}
		}
	}
	for _, j := range ex.JWTs {
		for k, v := range j.Claims {
			n += len(k)
			if s, ok := v.(string); ok {
				n += len(s)
			}
		}
	}
	return n
}
