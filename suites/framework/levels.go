package framework

import (
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/dcrconform/dcrconform/fixtures/requirements"
	dialects "github.com/dcrconform/dcrconform/harness/profiles"
)

// EntryWarning is the report entry of a check whose clause is a SHOULD that the bank did not meet, or a
// MAY (a choice the source leaves the bank) it made otherwise: the spec passes and carries the warning
// (reports read it as the outcome "warning"). Neither ever fails a spec.
const EntryWarning = "dcrconform.warning"

// Warning is a check below MUST level that the answer failed.
type Warning struct {
	Requirement string `json:"requirement"` // the register ID whose level the check has
	Level       string `json:"level"`       // that entry's level, e.g. SHOULD or RECOMMENDED
	Expected    string `json:"expected"`
	Actual      string `json:"actual"`
	Exchange    string `json:"exchange,omitempty"` // the request it answered: "METHOD URL -> status"
}

// String is the warning as the console shows it.
func (w Warning) String() string {
	s := fmt.Sprintf("WARNING [%s, %s]\nexpected: %s\nactual:   %s", w.Requirement, w.Level, w.Expected, w.Actual)
	if w.Exchange != "" {
		s += "\nrequest:  " + w.Exchange
	}
	return s
}

// classRank orders the classes of level: a check has the strongest class among its requirements.
var classRank = map[string]int{requirements.ClassMay: 1, requirements.ClassShould: 2, requirements.ClassMust: 3}

// levelOf is the requirement, with its level and class, that a check citing ids is held to: the
// strongest of those the spec names, or of all of ids when the spec names none of them, leaving out
// entries of other UK DCR versions than the target's (OBIE-DCR-3.3-APPLICATION-TYPE at 3.4). With no ids,
// the check is the spec's own, held to the strongest requirement the spec names. An ID the register
// does not know is held to MUST.
func (f *Framework) levelOf(ids ...string) (id, level, class string) {
	named := f.Scenario.Requirements()
	if len(ids) == 0 {
		ids = named
	} else if both := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !slices.Contains(named, id) }); len(both) > 0 {
		ids = both
	}
	if len(ids) == 0 {
		return "", requirements.ClassMust, requirements.ClassMust
	}
	register, err := requirements.Load()
	if err == nil {
		ids = f.atVersion(register, ids)
	}
	for _, candidate := range ids {
		q, ok := requirements.Requirement{}, false
		if err == nil {
			q, ok = register.Lookup(candidate)
		}
		if !ok {
			return candidate, requirements.ClassMust, requirements.ClassMust
		}
		if classRank[q.Class()] > classRank[class] {
			id, level, class = candidate, q.Level, q.Class()
		}
	}
	return id, level, class
}

// warn attaches a check below MUST level that the answer failed to the spec's report.
func (f *Framework) warn(m mismatch) {
	w := Warning{Requirement: m.requirement, Level: m.level, Expected: m.expected, Actual: m.actual}
	ex, ok := f.Record.Last()
	if m.exchange != nil { // the answer the check judged
		ex, ok = *m.exchange, true
	}
	if ok {
		w.Exchange = ex.Method + " " + ex.URL
		if ex.Error != "" {
			w.Exchange += " -> error: " + ex.Error
		} else {
			w.Exchange += fmt.Sprintf(" -> %d", ex.Status)
		}
	}
	w.Expected, w.Actual, w.Exchange = Clean(w.Expected), Clean(w.Actual), Clean(w.Exchange)
	ginkgo.AddReportEntry(EntryWarning, w, ginkgo.ReportEntryVisibilityAlways)
}

// Verdict starts a collection of the spec's own checks of one answer, each held to the level of the
// clause it enforces: Add at the spec's level (the strongest requirement it names), AddFor at the
// level of the requirements given. Done fails the spec with those at MUST level, and records the
// others as warnings, which leave the spec passed.
func (f *Framework) Verdict() *Checks { return &Checks{f: f, leveled: true} }

// AddFor records a failed check of the clause ids name (see levelOf), citing the requirement.
func (c *Checks) AddFor(ids []string, expected, actualFormat string, args ...any) {
	id, level, class := c.f.levelOf(ids...)
	if id != "" && !strings.Contains(expected, "("+id+")") {
		expected += " (" + id + ")"
	}
	c.list = append(c.list, mismatch{expected: expected, actual: fmt.Sprintf(actualFormat, args...), requirement: id, level: level, class: class, exchange: c.on})
}

// Warned reports whether a check below MUST level failed so far.
func (c *Checks) Warned() bool {
	return slices.ContainsFunc(c.list, func(m mismatch) bool { return m.class != requirements.ClassMust })
}

// atVersion leaves out of ids the register entries that name versions (UK DCR) other than the target's,
// the profile's default when the target names none; ids unchanged when that would leave none.
func (f *Framework) atVersion(register *requirements.Register, ids []string) []string {
	version := ""
	if f.Target != nil {
		version = f.Target.Version
	}
	if p, ok := dialects.Lookup(f.Scenario.Profile); ok && version == "" {
		version = p.DefaultVersion
	}
	kept := slices.DeleteFunc(slices.Clone(ids), func(id string) bool {
		q, ok := register.Lookup(id)
		return ok && len(q.Versions) > 0 && !slices.Contains(q.Versions, version)
	})
	if len(kept) == 0 {
		return ids
	}
	return kept
}
