package reports

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/gate"
)

// OutcomeExpectedFailure is a spec that failed as a bank's expected-failures list said it would: never
// passed, never hidden, and not a reason for the run to fail.
const OutcomeExpectedFailure = "expected-failure"

// ExpectedFailure is one entry of a bank's list of known failures (harness/gate).
type ExpectedFailure = gate.ExpectedFailure

// GateProblem is an entry or a failure that makes a run with an expected-failures list fail.
type GateProblem struct {
	SpecID string `json:"spec_id"`
	Kind   string `json:"kind"` // one of the Gate* kinds
	Detail string `json:"detail"`
}

// Kinds of gate problem.
const (
	GateNewFailure  = "new-failure"  // a failure the list does not name
	GateStale       = "stale"        // a listed spec passed: fixed, remove it from the list
	GateExpired     = "expired"      // a listed entry is past its expiry
	GateUnknown     = "unknown-spec" // a listed ID the catalogue does not have
	GateNewAnswer   = "new-answer"   // a listed spec failed on another answer than its last_seen
	GateDuplicateID = "duplicate"    // the list names a spec twice
)

// Text is the problem on one line.
func (p GateProblem) Text() string { return p.SpecID + ": " + p.Detail }

// Gate is what an expected-failures list made of a run.
type Gate struct {
	Expected []string      // specs that failed as listed
	Problems []GateProblem // each one fails the run
}

// OK reports whether the run passes the gate: nothing failed but what the list expects, and the list is current.
func (g Gate) OK() bool { return len(g.Problems) == 0 }

// ApplyExpected marks the listed specs of r that failed as expected failures, and returns the gate: every
// failure the list does not name, every listed spec that now passes, every entry past its expiry on
// today's date (now), naming a spec outside the catalogue (known), or seeing another answer than its
// last_seen. A listed spec the run did not select or skipped is neither expected nor stale.
func ApplyExpected(r *Run, list []ExpectedFailure, known func(id string) bool, now time.Time) Gate {
	var g Gate
	byID := map[string]ExpectedFailure{}
	today := now.UTC().Format(gate.ExpiryLayout)
	for _, e := range list {
		if _, dup := byID[e.ID]; dup {
			g.Problems = append(g.Problems, GateProblem{e.ID, GateDuplicateID, "listed twice in the expected failures"})
			continue
		}
		byID[e.ID] = e
		switch {
		case known != nil && !known(e.ID):
			g.Problems = append(g.Problems, GateProblem{e.ID, GateUnknown, "listed as an expected failure, but no spec has this ID (dcrconform list)"})
		case e.Expires != "" && e.Expires <= today:
			g.Problems = append(g.Problems, GateProblem{e.ID, GateExpired, fmt.Sprintf("its expected failure expired on %s (%s): fix the bank or renew the entry", e.Expires, e.Reason)})
		}
	}
	for i := range r.Specs {
		s := &r.Specs[i]
		e, listed := byID[s.ID]
		switch {
		case s.Failed() && !listed:
			g.Problems = append(g.Problems, GateProblem{s.ID, GateNewFailure, "failed, and is not an expected failure: " + firstLine(s.Actual, s.Reason)})
		case s.Failed() && s.Outcome != OutcomeFailed:
			g.Problems = append(g.Problems, GateProblem{s.ID, GateNewFailure, s.Outcome + ", not the expected failure: " + firstLine(s.Reason)})
		case s.Failed() && e.LastSeen != "" && !strings.Contains(s.Actual+"\n"+s.Reason, e.LastSeen):
			g.Problems = append(g.Problems, GateProblem{s.ID, GateNewAnswer, fmt.Sprintf("fails as expected, but on another answer: %s (listed: %q)", firstLine(s.Actual, s.Reason), e.LastSeen)})
		case s.Outcome == OutcomeFailed && listed:
			s.Outcome = OutcomeExpectedFailure
			s.Reason = "expected failure (" + e.Reason + "): " + s.Reason
			g.Expected = append(g.Expected, s.ID)
		case s.Passed() && listed:
			g.Problems = append(g.Problems, GateProblem{s.ID, GateStale, "passed: fixed, remove it from the expected failures"})
		}
	}
	sort.SliceStable(g.Problems, func(i, j int) bool { return g.Problems[i].SpecID < g.Problems[j].SpecID })
	r.Summarize()
	return g
}

// firstLine is the first line of the first non-empty text.
func firstLine(texts ...string) string {
	for _, t := range texts {
		if t = strings.TrimSpace(t); t != "" {
			line, _, _ := strings.Cut(t, "\n")
			return line
		}
	}
	return "(no reason given)"
}
