package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/reports"
)

// A breach of a SHOULD clause is a warning: the spec passes with the outcome warning, in every report,
// and the run exits 0. A breach of a MUST clause in the same check still fails.
func TestShouldBreachWarnsMustBreachFails(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	for _, tc := range []struct {
		name, defect, spec string
		code               int    // exit status
		outcome            string // the spec's outcome in the JSON report
		requirement        string // the requirement the warning or failure names
	}{
		// error="invalid_token" is RECOMMENDED by RFC 6750: a challenge without it warns.
		{"code omitted, RFC", "bearer-challenge-without-error", "RFC-GET-N03", 0, reports.OutcomeWarning, "RFC6750-3.1"},
		{"code omitted, initial access token", "bearer-challenge-without-error", "RFC-REG-N02", 0, reports.OutcomeWarning, "RFC6750-3.1"},
		// The CDR DCR API defines its 401 header "as per RFC6750": the code is RECOMMENDED there too.
		{"code omitted, CDR", "bearer-challenge-without-error", "CDR-GET-N01", 0, reports.OutcomeWarning, "RFC6750-3.1"},
		// The challenge itself is a MUST (RFC 6750 section 3): its absence fails.
		{"no challenge", "no-www-authenticate", "RFC-GET-N03", 1, reports.OutcomeFailed, "RFC6750-3"},
		// Another TPP's certificate is a SHOULD of the OB Directory.
		{"another TPP's certificate", "accept-other-software-cert", "UK-REG-N40", 0, reports.OutcomeWarning, "OBD-TPP-CERT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			jsonPath, junitPath, htmlPath := filepath.Join(dir, "run.json"), filepath.Join(dir, "run.xml"), filepath.Join(dir, "run.html")
			r := runChild(t, plainBinary(t), "--defect", tc.defect, "--focus", tc.spec, "--json", jsonPath, "--junit", junitPath, "--html", htmlPath)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r.stdout)
			}
			run := readRunRecord(t, jsonPath)
			var spec *reports.Spec
			for i := range run.Specs {
				if run.Specs[i].ID == tc.spec {
					spec = &run.Specs[i]
				}
			}
			if spec == nil {
				t.Fatalf("no %s in the report", tc.spec)
			}
			if spec.Outcome != tc.outcome {
				t.Fatalf("%s: outcome %s, want %s\n%s", tc.spec, spec.Outcome, tc.outcome, spec.Reason)
			}
			if tc.outcome == reports.OutcomeFailed {
				if !strings.Contains(spec.Reason, "("+tc.requirement+")") {
					t.Errorf("the failure does not name %s:\n%s", tc.requirement, spec.Reason)
				}
				return
			}
			if len(spec.Warnings) != 1 || spec.Warnings[0].Requirement != tc.requirement || spec.Warnings[0].Level != "SHOULD" {
				t.Fatalf("warnings %+v, want one of %s at SHOULD", spec.Warnings, tc.requirement)
			}
			if run.Summary.Warned != 1 || run.Summary.Failed != 0 {
				t.Errorf("summary %+v, want 1 warned and 0 failed", run.Summary)
			}
			if !strings.Contains(r.stdout, "WARNING ["+tc.requirement) || !strings.Contains(r.stdout, "1 passed with a warning") {
				t.Errorf("the console shows no warning:\n%s", r.stdout)
			}
			checkJUnitWarning(t, junitPath, tc.spec, tc.requirement)
			html, err := os.ReadFile(htmlPath)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(html), `<details class="spec warning" id="spec-`+tc.spec+`"`) || !strings.Contains(string(html), "PASSED WITH WARNINGS") {
				t.Errorf("the HTML report does not show %s as a warning", tc.spec)
			}
		})
	}
}

// checkJUnitWarning: the spec is a passed testcase, with the warning first in its system-out and in the
// suite property ID.warning.
func checkJUnitWarning(t *testing.T, path, spec, requirement string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Properties []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			Cases []struct {
				Name      string    `xml:"name,attr"`
				Failure   *struct{} `xml:"failure"`
				Error     *struct{} `xml:"error"`
				Skipped   *struct{} `xml:"skipped"`
				SystemOut string    `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var property, found bool
	for _, s := range doc.Suites {
		for _, p := range s.Properties {
			if p.Name == spec+".warning" && strings.Contains(p.Value, requirement) {
				property = true
			}
		}
		for _, c := range s.Cases {
			if !strings.HasPrefix(c.Name, "["+spec+"]") {
				continue
			}
			found = true
			if c.Failure != nil || c.Error != nil || c.Skipped != nil {
				t.Errorf("JUnit: %s is not a passed testcase", spec)
			}
			if !strings.HasPrefix(c.SystemOut, "WARNING ["+requirement) {
				t.Errorf("JUnit: %s's system-out does not start with the warning: %.200q", spec, c.SystemOut)
			}
		}
	}
	if !found || !property {
		t.Errorf("JUnit: testcase %s found %v, property %s.warning found %v", spec, found, spec, property)
	}
}
