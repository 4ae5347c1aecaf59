package reports

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dcrconform/dcrconform/fixtures/requirements"
	"github.com/dcrconform/dcrconform/harness/transcript"
)

// failureCard is a failed spec as the page opens with it: what it requires (the register's clause),
// expected against actual, and the exchange whose answer broke the requirement.
type failureCard struct {
	Spec
	Clauses []clauseView
	// Exchange is the exchange that broke the requirement, numbered from 1 (ExchangeNo); nil when the
	// spec recorded none. Marked says the spec named it; otherwise it is the spec's last exchange.
	Exchange   *transcript.Exchange
	ExchangeNo int
	Marked     bool
	Excerpt    string // the start of its response body
}

// clauseView is one requirement a failure names: its register entry when the register has it.
type clauseView struct {
	ID, Level, Section, Clause string
}

// excerptRunes is how much of the breaking answer's body the page's opening shows; the spec's
// transcript below has it whole.
const excerptRunes = 400

func newFailureCard(s Spec, clauses map[string]clauseView) failureCard {
	c := failureCard{Spec: s}
	for _, id := range requirements.SplitIDs(s.Requirement) {
		cv, ok := clauses[id]
		if !ok {
			cv = clauseView{ID: id}
			if reg, err := requirements.Load(); err == nil {
				if q, found := reg.Lookup(id); found {
					cv = clauseView{ID: id, Level: q.Level, Section: q.Section, Clause: q.Clause}
				}
			}
		}
		c.Clauses = append(c.Clauses, cv)
	}
	if i, marked, ok := breakingExchange(s); ok {
		ex := s.Exchanges[i]
		c.Exchange, c.ExchangeNo, c.Marked = &ex, i+1, marked
		c.Excerpt = excerpt(ex.ResponseBody, excerptRunes)
	}
	return c
}

// breakingExchange is the index of the exchange whose answer broke the spec's requirement: the last the
// spec marked (Breaches), else the one its failure message names (its "request:" line, and the status of
// its "response:" line), the last such; else the spec's last exchange (marked false).
func breakingExchange(s Spec) (i int, marked, ok bool) {
	if len(s.Exchanges) == 0 {
		return 0, false, false
	}
	for j := len(s.Breaches) - 1; j >= 0; j-- {
		if b := s.Breaches[j]; b >= 0 && b < len(s.Exchanges) {
			return b, true, true
		}
	}
	var method, url, status string
	for _, line := range strings.Split(s.Reason, "\n") {
		if v, ok := strings.CutPrefix(line, "request:"); ok && method == "" {
			if f := strings.Fields(v); len(f) >= 2 {
				method, url = f[0], f[1]
			}
		} else if v, ok := strings.CutPrefix(line, "response:"); ok && status == "" {
			if f := strings.Fields(v); len(f) >= 1 {
				status = f[0]
			}
		}
	}
	if method != "" {
		for j := len(s.Exchanges) - 1; j >= 0; j-- {
			ex := s.Exchanges[j]
			if ex.Method == method && ex.URL == url && (status == "" || status == strconv.Itoa(ex.Status)) {
				return j, true, true
			}
		}
	}
	return len(s.Exchanges) - 1, false, true
}

// clauseIndex is the run's requirement coverage by ID (the register as the run's binary had it).
func clauseIndex(r *Run) map[string]clauseView {
	out := map[string]clauseView{}
	for _, src := range r.Coverage {
		for _, row := range src.Rows {
			out[row.ID] = clauseView{ID: row.ID, Level: row.Level, Section: row.Section, Clause: row.Clause}
		}
	}
	return out
}

// excerpt is the start of a body, at most n runes, on as few lines as it has.
func excerpt(body string, n int) string {
	body = strings.TrimSpace(body)
	if utf8.RuneCountInString(body) <= n {
		return body
	}
	runes := []rune(body)
	return string(runes[:n]) + " …"
}

// messageRest is a failure message without what the page shows beside it: its expected and actual
// lines and its headline (ID, requirement, title). Empty when nothing else remains.
func messageRest(s Spec) string {
	if s.Expected == "" && s.Actual == "" {
		return s.Reason
	}
	var keep []string
	for i, line := range strings.Split(s.Reason, "\n") {
		switch {
		case i == 0 && strings.HasPrefix(line, s.ID):
		case strings.HasPrefix(line, "expected:"), strings.HasPrefix(line, "actual:"):
		default:
			keep = append(keep, line)
		}
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}
