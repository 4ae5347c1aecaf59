package reports

import (
	"testing"
)

func TestDiffRuns(t *testing.T) {
	base := &Run{Specs: []Spec{
		{ID: "A-1", Outcome: OutcomePassed},
		{ID: "A-2", Outcome: OutcomeFailed, Expected: "status 400", Actual: "status 201 for client 4f9c2b7a1d3e5f60a7b8"},
		{ID: "A-3", Outcome: OutcomeFailed, Expected: "status 400", Actual: "status 201"},
		{ID: "A-4", Outcome: OutcomeFailed, Actual: "status 500"},
		{ID: "A-5", Outcome: OutcomePassed},
		{ID: "A-6", Outcome: OutcomeExpectedFailure, Actual: "status 200"},
		{ID: "A-7", Outcome: OutcomeFailed, Actual: "status 200"},
		{ID: "A-9", Outcome: OutcomePassed},
	}}
	in := &Run{Specs: []Spec{
		{ID: "A-1", Outcome: OutcomeFailed, Actual: "status 201"},
		{ID: "A-2", Outcome: OutcomeFailed, Expected: "status 400", Actual: "status 201 for client 99aa77bb55cc33dd11ee"}, // the same answer, another client
		{ID: "A-3", Outcome: OutcomeFailed, Expected: "status 400", Actual: "status 500"},
		{ID: "A-4", Outcome: OutcomePassed},
		{ID: "A-5", Outcome: OutcomeWarning},
		{ID: "A-6", Outcome: OutcomeExpectedFailure, Actual: "status 200"},
		{ID: "A-8", Outcome: OutcomeFailed, Actual: "status 201"}, // a spec the base did not run
		{ID: "A-9", Outcome: OutcomePassed},
	}}
	d := DiffRuns(base, in)
	got := map[string]string{}
	for _, e := range d.Entries {
		got[e.ID] = e.Kind
	}
	want := map[string]string{"A-1": DiffNewFailure, "A-3": DiffNewAnswer, "A-4": DiffFixed, "A-5": DiffNewWarning, "A-7": DiffGone, "A-8": DiffNewFailure}
	for id, kind := range want {
		if got[id] != kind {
			t.Errorf("%s: %q, want %q", id, got[id], kind)
		}
	}
	for _, id := range []string{"A-2", "A-6", "A-9"} {
		if k, ok := got[id]; ok {
			t.Errorf("%s did not change, but the diff says %q", id, k)
		}
	}
	if d.Regressions() != 3 || !d.Entries[0].Regression() || d.Entries[len(d.Entries)-1].Regression() {
		t.Errorf("%d regressions, want 3, listed first: %+v", d.Regressions(), d.Entries)
	}
}
