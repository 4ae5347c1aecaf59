package reports_test

import (
	"testing"

	"github.com/dcrconform/dcrconform/reports"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// The reports read what suites/framework attaches: its entry names, and a Scenario that converts.
func TestFrameworkContract(t *testing.T) {
	s := framework.Scenario{ID: "UK-REG-N01", Requirement: "RFC7591-3.2.2", Labels: []string{"x"}}
	if got := reports.Scenario(s); got.ID != s.ID || got.Requirement != s.Requirement || got.Labels[0] != "x" {
		t.Errorf("reports.Scenario(%+v) = %+v", s, got)
	}
	if framework.EntryScenario != "dcrconform.scenario" || framework.EntryTranscript != "dcrconform.transcript" {
		t.Errorf("framework entry names changed: %q, %q; update reports/ginkgo.go", framework.EntryScenario, framework.EntryTranscript)
	}
}
