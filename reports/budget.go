package reports

import (
	"strconv"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Caps on what one report holds of what the bank sent, so that a bank answering megabytes (a 1 MB
// client_id in every answer) gives reports of a few megabytes: each text a spec reports is cut to
// maxReportText, and the texts and transcripts of a run to maxTranscriptBytes in all, in spec order;
// past it, texts are cut to maxReportID and exchanges keep their method, URL, status and error, and
// say what was dropped.
const (
	maxReportText      = 16 << 10
	maxTranscriptBytes = 2 << 20
	maxReportID        = 1 << 10 // a client_id in a warning
)

// budgetSpec cuts the texts of a spec and, once the run's transcript budget is spent, its exchanges'
// headers, bodies and JWTs; spent carries the bytes used across specs.
func budgetSpec(s *Spec, spent *int) {
	limit := maxReportText
	if *spent > maxTranscriptBytes {
		limit = maxReportID
	}
	for _, text := range []*string{&s.Reason, &s.Expected, &s.Actual, &s.ErrorCodeSeen} {
		*text = transcript.ClipText(*text, limit)
		*spent += len(*text)
	}
	for i := range s.Exchanges {
		ex := &s.Exchanges[i]
		size := exchangeSize(ex)
		if *spent+size <= maxTranscriptBytes {
			*spent += size
			continue
		}
		note := "[" + strconv.Itoa(size) + " bytes of this exchange not kept: the report's " +
			strconv.Itoa(maxTranscriptBytes>>20) + " MiB for transcripts is spent]"
		ex.RequestHeaders, ex.ResponseHeaders, ex.JWTs = nil, nil, nil
		ex.RequestBody, ex.ResponseBody = "", note
		ex.URL, ex.Error = transcript.ClipText(ex.URL, maxReportID), transcript.ClipText(ex.Error, maxReportID)
		*spent += exchangeSize(ex)
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
