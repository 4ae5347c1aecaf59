package reports

import (
	"slices"
	"testing"
	"time"
)

func TestApplyExpected(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	run := &Run{Specs: []Spec{
		{ID: "A-1", Outcome: OutcomeFailed, Actual: "status 200"},
		{ID: "A-2", Outcome: OutcomeFailed, Actual: "status 500"},
		{ID: "A-3", Outcome: OutcomePassed},
		{ID: "A-4", Outcome: OutcomePanicked, Reason: "panic: nil map"},
		{ID: "A-5", Outcome: OutcomeSkipped},
		{ID: "A-6", Outcome: OutcomeFailed, Actual: "status 201"},
		{ID: "A-7", Outcome: OutcomeFailed, Actual: "status 400"},
	}}
	list := []ExpectedFailure{
		{ID: "A-1", Reason: "known", LastSeen: "status 200"},
		{ID: "A-3", Reason: "was broken"},
		{ID: "A-4", Reason: "known"},
		{ID: "A-5", Reason: "not run here"},
		{ID: "A-6", Reason: "known", LastSeen: "status 400"},
		{ID: "A-7", Reason: "known", Expires: "2026-12-06"},
		{ID: "A-7", Reason: "again"},
		{ID: "Z-9", Reason: "gone"},
	}
	g := ApplyExpected(run, list, func(id string) bool { return id != "Z-9" }, now)
	if !slices.Equal(g.Expected, []string{"A-1", "A-7"}) {
		t.Errorf("expected failures %v, want A-1 and A-7 (expired, but failing as listed)", g.Expected)
	}
	want := map[string]string{"A-2": GateNewFailure, "A-3": GateStale, "A-4": GateNewFailure, "A-6": GateNewAnswer, "A-7": GateExpired, "Z-9": GateUnknown}
	got := map[string][]string{}
	for _, p := range g.Problems {
		got[p.SpecID] = append(got[p.SpecID], p.Kind)
	}
	for id, kind := range want {
		if !slices.Contains(got[id], kind) {
			t.Errorf("%s: problems %v, want %s", id, got[id], kind)
		}
	}
	if !slices.Contains(got["A-7"], GateDuplicateID) {
		t.Errorf("A-7 listed twice: problems %v", got["A-7"])
	}
	if _, ok := got["A-1"]; ok || g.OK() {
		t.Errorf("A-1 failed as listed and should raise no problem; the gate must still fail on the others: %+v", g)
	}
	if run.Specs[0].Outcome != OutcomeExpectedFailure || run.Specs[3].Outcome != OutcomePanicked || run.Summary.ExpectedFailures != 2 || run.Summary.Failed != 3 {
		t.Errorf("outcomes %s, %s; summary %+v", run.Specs[0].Outcome, run.Specs[3].Outcome, run.Summary)
	}
	if g := ApplyExpected(&Run{Specs: []Spec{{ID: "A-1", Outcome: OutcomeFailed, Actual: "status 200"}}}, list[:1], nil, now); !g.OK() {
		t.Errorf("only a listed failure failed: %+v", g.Problems)
	}
}
