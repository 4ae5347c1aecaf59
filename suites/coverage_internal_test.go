package suites

import (
	"slices"
	"testing"

	"github.com/dcrconform/dcrconform/fixtures/requirements"
	"github.com/dcrconform/dcrconform/suites/framework"
)

func TestUnknownRequirementIsReported(t *testing.T) {
	reg := requirements.MustLoad()
	cat := []framework.Scenario{
		{ID: "X-REG-001", Requirement: "RFC7591-3.2.1, OBIE-DCR-3.3-NO-SUCH-CLAUSE"},
		{ID: "X-REG-002", Requirement: "RFC7591-3.2.2"},
		{ID: "X-REG-003"},
	}
	got := unknownIn(cat, reg)
	want := []string{"X-REG-001: OBIE-DCR-3.3-NO-SUCH-CLAUSE", "X-REG-003: (none)"}
	if !slices.Equal(got, want) {
		t.Fatalf("unknownIn = %q, want %q", got, want)
	}
}

func TestCoverageStates(t *testing.T) {
	reg := requirements.MustLoad()
	cov := coverageOf([]framework.Scenario{{ID: "X-REG-001", Requirement: "RFC7591-3.2.1, RFC7591-3.2.2"}}, reg)
	states := map[string]string{}
	for _, cs := range cov {
		if cs.Total != cs.Checked+cs.NotCheckable+cs.Gaps {
			t.Errorf("%s: %d requirements but %d+%d+%d", cs.Source, cs.Total, cs.Checked, cs.NotCheckable, cs.Gaps)
		}
		for _, r := range cs.Rows {
			states[r.Requirement.ID] = r.State
			if r.Requirement.Binds != requirements.Bank {
				t.Errorf("%s binds %s but is a coverage row", r.Requirement.ID, r.Requirement.Binds)
			}
		}
	}
	for id, want := range map[string]string{
		"RFC7591-3.2.1":  Checked,
		"RFC7591-3.2.2":  Checked,
		"RFC7591-3-TLS":  NotCheckable,
		"RFC7591-2-JWKS": Gap,
	} {
		if states[id] != want {
			t.Errorf("%s is %q, want %q", id, states[id], want)
		}
	}
	if _, ok := states["RFC7591-2.3"]; ok {
		t.Error("a client-side requirement is counted as a bank-side row")
	}
}

func TestMisCitationsAreReported(t *testing.T) {
	reg := requirements.MustLoad()
	cat := []framework.Scenario{
		{ID: "X-REG-N01", Requirement: "RFC7591-3.2.2"},                          // MUST, bank: fine
		{ID: "X-REG-N02", Requirement: "RFC7591-2.3"},                            // binds the client
		{ID: "X-REG-N03", Requirement: "OBIE-DCR-3.3-CLAIMS-AUD"},                // MAY only, but must fail
		{ID: "X-REG-N04", Requirement: "OBIE-DCR-3.3-CLAIMS-AUD, RFC7591-3.2.2"}, // a MUST beside the MAY
	}
	got := misCitationsIn(cat, reg, map[string][]string{"d": {"X-REG-N01", "X-REG-N03", "X-REG-N04"}})
	want := []string{
		"X-REG-N02 cites RFC7591-2.3, which binds the client, not the bank",
		"X-REG-N03 must fail under a defect but cites no MUST-level entry (OBIE-DCR-3.3-CLAIMS-AUD)",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("misCitationsIn = %q, want %q", got, want)
	}
}
