package reports

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

// A spec that passed with a warning entry (framework.Warning) has the outcome warning, counted apart,
// and shows it in every report: JSON (read back whole, secrets masked), JUnit (a passed testcase with
// the warning in system-out and a property) and HTML.
func TestWarningIsItsOwnOutcome(t *testing.T) {
	warning := map[string]any{"requirement": "RFC6750-3.1", "level": "SHOULD",
		"expected": "error=\"invalid_token\" in the WWW-Authenticate challenge (RFC6750-3.1)",
		"actual":   "WWW-Authenticate \"Bearer realm=x\" access_token=" + secBearer, "exchange": "GET https://bank.example/register/c1 -> 401"}
	rep := types.Report{SuiteDescription: "dcrconform: bank", StartTime: t0, SpecReports: []types.SpecReport{
		itSpec(scReadN01, types.SpecStatePassed, t0, 0, entry(entryScenario, scReadN01), entry(entryWarning, warning)),
		itSpec(scDelP01, types.SpecStatePassed, t0, 0, entry(entryScenario, scDelP01)),
	}}
	run := FromGinkgo(rep, Meta{})
	if run.Summary.Warned != 1 || run.Summary.Passed != 1 || run.Summary.Total != 2 {
		t.Fatalf("summary %+v, want 1 warned and 1 passed of 2", run.Summary)
	}
	s := run.Specs[0]
	if s.Outcome != OutcomeWarning || !s.Passed() || s.Failed() || len(s.Warnings) != 1 || s.Warnings[0].Requirement != "RFC6750-3.1" {
		t.Fatalf("spec %s: outcome %s, warnings %+v", s.ID, s.Outcome, s.Warnings)
	}
	if strings.Contains(s.Warnings[0].Actual, secBearer) {
		t.Error("the warning's actual keeps a secret")
	}

	var js bytes.Buffer
	if err := WriteJSON(&js, run); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&js)
	if err != nil {
		t.Fatal(err)
	}
	if back.Summary.Warned != 1 || back.Specs[0].Outcome != OutcomeWarning || len(back.Specs[0].Warnings) != 1 {
		t.Errorf("read back: summary %+v, outcome %s", back.Summary, back.Specs[0].Outcome)
	}

	var junit bytes.Buffer
	if err := WriteJUnit(&junit, run); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Failures   int `xml:"failures,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"testsuite>properties>property"`
		Cases []struct {
			Name      string    `xml:"name,attr"`
			Failure   *struct{} `xml:"failure"`
			Skipped   *struct{} `xml:"skipped"`
			SystemOut string    `xml:"system-out"`
		} `xml:"testsuite>testcase"`
	}
	if err := xml.Unmarshal(junit.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var property bool
	for _, p := range doc.Properties {
		property = property || p.Name == scReadN01.ID+".warning" && strings.HasPrefix(p.Value, "WARNING [RFC6750-3.1, SHOULD]")
	}
	if doc.Failures != 0 || !property {
		t.Errorf("JUnit: %d failures, warning property %v", doc.Failures, property)
	}
	for _, c := range doc.Cases {
		if strings.Contains(c.Name, scReadN01.ID) && (c.Failure != nil || c.Skipped != nil || !strings.HasPrefix(c.SystemOut, "WARNING [RFC6750-3.1, SHOULD]")) {
			t.Errorf("JUnit: %s is not a passed testcase with the warning in system-out: %+v", scReadN01.ID, c)
		}
	}

	var html bytes.Buffer
	if err := WriteHTML(&html, run); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<details class="spec warning" id="spec-` + scReadN01.ID + `"`, "PASSED WITH WARNINGS", `id="st-warning"`, "RFC6750-3.1 (SHOULD)"} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}
