package interop

import (
	"strconv"
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/reports"
	"github.com/dcrconform/dcrconform/suites/framework"
	_ "github.com/dcrconform/dcrconform/suites/rfc7591" // the profile's catalogue
)

// fakeRun is a whole rfc7591 run in which every spec passed except those given, which failed with the
// answer given ("403 {...}").
func fakeRun(failed map[string]string, skipped ...string) *reports.Run {
	run := &reports.Run{}
	for _, sc := range framework.Catalogue() {
		if sc.Profile != Profile {
			continue
		}
		s := reports.Spec{ID: sc.ID, Profile: sc.Profile, Requirement: sc.Requirement, Outcome: reports.OutcomePassed}
		if answer, ok := failed[sc.ID]; ok {
			s.Outcome = reports.OutcomeFailed
			s.Reason = sc.ID + " [x] t\nexpected: e\nactual:   a\nrequest:  GET http://h/x (no client certificate)\nresponse: " + answer
		}
		for _, id := range skipped {
			if id == sc.ID {
				s.Outcome, s.Reason = reports.OutcomeSkipped, "no initial access token"
			}
		}
		run.Specs = append(run.Specs, s)
	}
	run.Summarize()
	return run
}

func TestProblems(t *testing.T) {
	srv := Server{Key: "x", Name: "X", HarnessBugs: map[string]string{"RFC-PUT-N05": "being fixed"}}
	devs := Deviations{"RFC-GET-N01": {Clause: "RFC6750-3", What: "403", Status: 403, Body: `"error":"access_denied"`}}
	for _, tc := range []struct {
		name string
		run  *reports.Run
		want []string // fragments of the problems, in order; none for a clean run
	}{
		{"as listed", fakeRun(map[string]string{"RFC-GET-N01": `403 {"error":"access_denied"}`}), nil},
		{"as listed, spaced otherwise", fakeRun(map[string]string{"RFC-GET-N01": `403 { "error": "access_denied" }`}), nil},
		{"an unlisted failure", fakeRun(map[string]string{"RFC-GET-N01": `403 {"error":"access_denied"}`, "RFC-REG-001": "400 {}"}),
			[]string{"RFC-REG-001 failed against X and is not a known deviation"}},
		{"a listed spec passes", fakeRun(nil), []string{"RFC-GET-N01 passed against X, but is listed"}},
		{"another status", fakeRun(map[string]string{"RFC-GET-N01": `401 {"error":"access_denied"}`}), []string{"not on the answer listed"}},
		{"another body", fakeRun(map[string]string{"RFC-GET-N01": `403 {"error":"invalid_token"}`}), []string{"not on the answer listed"}},
		{"a listed spec skipped", fakeRun(nil, "RFC-GET-N01"), []string{"RFC-GET-N01 is listed as a deviation of X but was skipped"}},
		{"a spec missing", &reports.Run{}, []string{"RFC-GET-N01 is listed as a deviation of X but is not in the run", "the report has 0 rfc7591 specs"}},
		{"a harness bug is not checked", fakeRun(map[string]string{"RFC-GET-N01": `403 {"error":"access_denied"}`, "RFC-PUT-N05": "400 {}"}), nil},
		{"a clause the failing check does not enforce", citing(fakeRun(map[string]string{"RFC-GET-N01": `403 {"error":"access_denied"}`}), "RFC-GET-N01", "RFC7592-2"),
			[]string{"RFC-GET-N01 is listed as breaking RFC6750-3, which its failing checks do not enforce (they enforce RFC7592-2)"}},
		{"the clause the failing check cites", citing(fakeRun(map[string]string{"RFC-GET-N01": `403 {"error":"access_denied"}`}), "RFC-GET-N01", "RFC6750-3"), nil},
		{"a listed spec warns", warned(fakeRun(nil), "RFC-GET-N01"), []string{"RFC-GET-N01 is listed as a deviation of X but was warning"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Problems(srv, tc.run, devs)
			if len(got) != len(tc.want) {
				t.Fatalf("problems %q, want %d like %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %q does not say %q", got[i], w)
				}
			}
		})
	}
}

// citing makes the failure of spec id cite requirement on its expected line, as a Verdict check does.
func citing(run *reports.Run, id, requirement string) *reports.Run {
	for i, s := range run.Specs {
		if s.ID == id {
			run.Specs[i].Reason = strings.Replace(s.Reason, "expected: e", "expected: e ("+requirement+")", 1)
		}
	}
	return run
}

// warned makes spec id pass with a warning.
func warned(run *reports.Run, id string) *reports.Run {
	for i, s := range run.Specs {
		if s.ID == id {
			run.Specs[i].Outcome = reports.OutcomeWarning
			run.Specs[i].Warnings = []reports.SpecWarning{{Requirement: "RFC6750-3.1", Level: "SHOULD", Expected: "error=invalid_token", Actual: "none"}}
		}
	}
	run.Summarize()
	return run
}

// A deviation names the MUST its server breaks: a SHOULD's breach is a warning, and an ID the register
// does not have is no clause.
func TestDeviationsCiteMUSTs(t *testing.T) {
	for clause, ok := range map[string]bool{"RFC6750-3": true, "RFC6749-3.1.2": true, "RFC7592-3": true, "RFC6750-3.1": false, "OBIE-DCR-3.3-DUPLICATE": false, "RFC7591-3": false, "NOT-AN-ID": false} {
		if err := citesMust(clause); (err == nil) != ok {
			t.Errorf("citesMust(%s) = %v, want ok %v", clause, err, ok)
		}
	}
}

func TestTable(t *testing.T) {
	srv := Server{Key: "x", Name: "X", Version: "v1", Setup: "set up so.", HarnessBugs: map[string]string{"RFC-PUT-N05": "being fixed"}}
	devs := Deviations{"RFC-GET-N01": {Clause: "RFC6750-3", What: "answers | 403", Status: 403, Body: `"error":"access_denied"`}}
	run := fakeRun(map[string]string{"RFC-GET-N01": `403 {"error":"access_denied"}`, "RFC-PUT-N05": "400 {}"}, "RFC-REG-N01")
	run.Warnings = []reports.Warning{{SpecID: "RFC-PUT-N04", ClientID: "c2"}, {SpecID: "RFC-GET-N04", ClientID: "c1"}}
	warned(run, "RFC-DEL-N03")
	got := Table(srv, run, devs)
	for _, want := range []string{
		"### X v1\n\nset up so.\n",
		"| " + strconv.Itoa(run.Summary.Total-1) + " | " + strconv.Itoa(run.Summary.Total-4) + " | 1 | 1 | 1 |",
		"Not counted, a harness bug under repair: RFC-PUT-N05 (being fixed).",
		"| RFC-GET-N01 | RFC6750-3 | answers \\| 403 | 403 `\"error\":\"access_denied\"` |",
		"Skipped: RFC-REG-N01 (no initial access token).",
		"Passed with a warning, a SHOULD or MAY not met (not a deviation): RFC-DEL-N03 (RFC6750-3.1, SHOULD: none).",
		"Left on the server, which the run's cleanup could not delete: the registrations of RFC-GET-N04, RFC-PUT-N04.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

func TestLoadDeviations(t *testing.T) {
	for _, key := range []string{"gooidc", "hydra", "authlib", "authlib-private-key-jwt"} {
		if _, err := LoadDeviations(".", key); err != nil {
			t.Error(err)
		}
	}
}
