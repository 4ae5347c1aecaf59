package suites_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/fixtures/requirements"

	"github.com/dcrconform/dcrconform/suites"
	"github.com/dcrconform/dcrconform/suites/framework"
)

const catalogueDoc = "../fixtures/CATALOGUE.md"

// TestCatalogueDocumentIsCurrent keeps fixtures/CATALOGUE.md in step with the declared scenarios.
// Regenerate it with `make catalogue`.
func TestCatalogueDocumentIsCurrent(t *testing.T) {
	want := suites.CatalogueMarkdown()
	got, err := os.ReadFile(catalogueDoc)
	if err != nil {
		t.Fatalf("%v: run `make catalogue`", err)
	}
	if string(got) != want {
		t.Fatalf("%s is out of date with the declared scenarios: run `make catalogue`", catalogueDoc)
	}
}

func TestEveryCaughtDefectNamesDeclaredSpecs(t *testing.T) {
	for _, catches := range []map[string][]string{suites.DefectCatches, suites.DefectWarns} {
		for defect, ids := range catches {
			for _, id := range ids {
				if _, ok := framework.Lookup(id); !ok {
					t.Errorf("defect %s names spec %s, which is not declared", defect, id)
				}
			}
		}
	}
}

// TestScenarioRequirementsAreRegistered: every requirement a scenario names is in fixtures/requirements.
func TestScenarioRequirementsAreRegistered(t *testing.T) {
	for _, bad := range suites.UnknownRequirements() {
		t.Errorf("scenario requirement not in the register: %s", bad)
	}
}

// TestFAPIOnlySpecsAreLabelled: a spec whose requirements only FAPI demands carries the fapi label, and
// no other spec does.
func TestFAPIOnlySpecsAreLabelled(t *testing.T) {
	reg := requirements.MustLoad()
	labelled := 0
	for _, s := range framework.Catalogue() {
		fapiOnly := true
		for _, id := range s.Requirements() {
			q, _ := reg.Lookup(id)
			if !slices.Contains(q.Labels, framework.FAPILabel) {
				fapiOnly = false
			}
		}
		if has := slices.Contains(s.Labels, framework.FAPILabel); has != fapiOnly {
			t.Errorf("%s (%s): fapi label %v, but its requirements are FAPI-only: %v", s.ID, s.Requirement, has, fapiOnly)
		}
		if fapiOnly {
			labelled++
		}
	}
	if labelled == 0 {
		t.Error("no spec is FAPI-only: the label filter '!fapi' would select everything")
	}
}

const readme = "../fixtures/requirements/README.md" // the coverage table, beside the register

// TestReadmeCoverageIsCurrent keeps README.md's coverage table in step with the register and the specs.
// Regenerate it with `make catalogue`.
func TestReadmeCoverageIsCurrent(t *testing.T) {
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "<!-- coverage:start -->\n", "<!-- coverage:end -->"
	s := string(b)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q block", readme, start, end)
	}
	if got, want := s[i+len(start):j], suites.CoverageMarkdown(suites.Coverage()); got != want {
		t.Fatalf("the coverage table in %s is out of date: run `make catalogue`\nwant:\n%s", readme, want)
	}
}

// TestSpecsEnforceTheEntriesTheyCite: every entry a spec names binds the bank, and a spec a defect must
// fail names a MUST-level entry (MisCitations).
func TestSpecsEnforceTheEntriesTheyCite(t *testing.T) {
	for _, bad := range suites.MisCitations() {
		t.Error(bad)
	}
}

// unprovenByDefect are checked entries no reference bank defect can prove, with why. The list may only
// shrink.
var unprovenByDefect = map[string]string{
	"OIDD-3":                 "a discovery document without issuer or token_endpoint stops the run at set-up (the runner names what is missing) before any spec",
	"OBIE-DCR-3.3-DISCOVERY": "the embedded target finds its registration endpoint by discovery: a bank not advertising it stops the run at set-up; a configured target stating its endpoints reaches UK-DISC-001",
}

// TestEveryCheckedEntryIsProven: every bank-side entry a spec checks is cited by a spec that some
// reference bank defect is expected to fail (or warn): the check is shown to catch a breach.
func TestEveryCheckedEntryIsProven(t *testing.T) {
	proven := map[string]bool{}
	for _, catches := range []map[string][]string{suites.DefectCatches, suites.DefectWarns} {
		for _, ids := range catches {
			for _, id := range ids {
				proven[id] = true
			}
		}
	}
	for _, cs := range suites.Coverage() {
		for _, r := range cs.Rows {
			if r.State != suites.Checked {
				continue
			}
			id := r.Requirement.ID
			ok := slices.ContainsFunc(r.Specs, func(s string) bool { return proven[s] })
			_, excused := unprovenByDefect[id]
			switch {
			case !ok && !excused:
				t.Errorf("%s (%s) is checked by %v, but no reference bank defect is expected to fail any of them: add one", id, r.Requirement.Level, r.Specs)
			case ok && excused:
				t.Errorf("%s is now proven by a defect: drop it from unprovenByDefect", id)
			}
		}
	}
}
