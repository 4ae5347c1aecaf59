package reports

import (
	"encoding/json"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Defensive redaction. The transcript recorder already masks secrets as it records; the reports mask
// again so that a transcript built elsewhere (or a hand-edited JSON report) cannot leak one. The rules
// are transcript's, the same for every output (the console included): transcript.Redact for exchanges
// and transcript.RedactText for text. Both are idempotent.

// RedactText masks secret-looking values in free text (see transcript.RedactText).
func RedactText(s string) string { return transcript.RedactText(s) }

// RedactExchange returns a copy of ex with its secrets masked (see transcript.Redact), decoded JWTs
// seen twice dropped.
func RedactExchange(ex transcript.Exchange) transcript.Exchange {
	red := ex
	transcript.Redact(&red)
	red.JWTs = dedupeJWTs(red.JWTs)
	return red
}

// dedupeJWTs drops duplicates (a JWT decoded again by a second pass).
func dedupeJWTs(in []transcript.DecodedJWT) []transcript.DecodedJWT {
	if len(in) < 2 {
		return in
	}
	out := make([]transcript.DecodedJWT, 0, len(in))
	seen := map[string]bool{}
	for _, j := range in {
		key, _ := json.Marshal(j)
		if seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		out = append(out, j)
	}
	return out
}

// redacted returns a deep copy of r with every secret masked, ready to be written.
func (r *Run) redacted() *Run {
	out := *r
	out.Target.Name = RedactText(transcript.ClipText(r.Target.Name, maxReportText))
	out.Target.DiscoveryURL = RedactText(r.Target.DiscoveryURL)
	out.Target.RegistrationURL = RedactText(r.Target.RegistrationURL)
	out.Target.TokenURL = RedactText(r.Target.TokenURL)
	out.Warnings = nil
	for _, w := range r.Warnings {
		w.Message = RedactText(transcript.ClipText(w.Message, maxReportText))
		w.ClientID = transcript.ClipText(w.ClientID, maxReportID)
		out.Warnings = append(out.Warnings, w)
	}
	out.Findings = nil
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, f.redacted())
	}
	out.Specs = make([]Spec, len(r.Specs))
	spent := newBudget(r) // budget.go
	for i, s := range r.Specs {
		s.Exchanges = append([]transcript.Exchange(nil), s.Exchanges...)
		spent.spec(&s) // first: what is cut is not redacted
		s.Title = RedactText(s.Title)
		s.Reason = RedactText(s.Reason)
		s.Expected = RedactText(s.Expected)
		s.Actual = RedactText(s.Actual)
		s.ErrorCodeSeen = RedactText(s.ErrorCodeSeen)
		if s.Warnings != nil {
			ws := make([]SpecWarning, len(s.Warnings))
			for j, w := range s.Warnings {
				ws[j] = SpecWarning{Requirement: w.Requirement, Level: w.Level, Expected: RedactText(w.Expected), Actual: RedactText(w.Actual), Exchange: RedactText(w.Exchange)}
			}
			s.Warnings = ws
		}
		s.Labels = append([]string{}, s.Labels...)
		exs := make([]transcript.Exchange, len(s.Exchanges))
		for j, ex := range s.Exchanges {
			exs[j] = RedactExchange(ex)
		}
		s.Exchanges = exs
		out.Specs[i] = s
	}
	return &out
}
