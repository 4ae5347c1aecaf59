package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/reports"
)

// TestExpectedFailuresGate runs two rfc7591 specs against the reference bank with the defect
// accept-no-token (RFC-GET-N01 fails under it, RFC-REG-001 passes) and each expected-failures list: the
// run exits 0 only when nothing but listed specs failed and the list is current.
func TestExpectedFailuresGate(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	bin := plainBinary(t)
	const (
		getN01 = "- {id: RFC-GET-N01, reason: the bank serves GET without a token (ticket 42)}\n"
		regOK  = "- {id: RFC-REG-001, reason: registration was broken}\n"
	)
	for _, c := range []struct {
		name, list string
		defect     bool
		exit       int
		says       string // what the console must say
	}{
		{"no list: the failure fails the run", "", true, exitFailed, ""},
		{"the failure listed", getN01, true, exitOK, "1 of 1 listed expected failures failed as expected; nothing else failed"},
		{"a listed spec passes: stale", getN01 + regOK, true, exitFailed, "RFC-REG-001: passed: fixed, remove it from the expected failures"},
		{"the bank fixed: stale", getN01, false, exitFailed, "RFC-GET-N01: passed: fixed"},
		{"expired", "- {id: RFC-GET-N01, reason: r, expires: 2020-01-31}\n", true, exitFailed, "expired on 2020-01-31"},
		{"unknown spec", getN01 + "- {id: RFC-NOPE-N99, reason: r}\n", true, exitFailed, "RFC-NOPE-N99: listed as an expected failure, but no spec has this ID"},
		{"another answer than last seen", "- {id: RFC-GET-N01, reason: r, last_seen: status 500}\n", true, exitFailed, "fails as expected, but on another answer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"run", "--profile", "rfc7591", "--focus", "RFC-GET-N01", "--focus", "RFC-REG-001", "--no-color", "-v=false",
				"--json", filepath.Join(dir, "run.json"), "--junit", filepath.Join(dir, "junit.xml")}
			if c.defect {
				args = append(args, "--defect", "accept-no-token")
			}
			if c.list != "" {
				list := filepath.Join(dir, "expected.yaml")
				if err := os.WriteFile(list, []byte("expected_failures:\n"+c.list), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--expected-failures", list)
			}
			cmd := exec.Command(bin, args...)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			code := 0
			if exit, ok := err.(*exec.ExitError); ok {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != c.exit || !strings.Contains(string(out), c.says) {
				t.Fatalf("exit %d, want %d, and the console to say %q:\n%s", code, c.exit, c.says, lastLines(string(out), 20))
			}
			get := specOf(t, readRunRecord(t, filepath.Join(dir, "run.json")), "RFC-GET-N01")
			switch {
			case c.exit == exitOK && get.Outcome != reports.OutcomeExpectedFailure:
				t.Errorf("RFC-GET-N01 ended %s in the JSON report, want %s", get.Outcome, reports.OutcomeExpectedFailure)
			case c.exit == exitOK:
				junit, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
				if err != nil || !strings.Contains(string(junit), `<property name="RFC-GET-N01.outcome" value="expected-failure">`) {
					t.Errorf("the JUnit report does not mark RFC-GET-N01 an expected failure (%v)", err)
				}
			case c.defect && c.name == "no list: the failure fails the run" && get.Outcome != reports.OutcomeFailed:
				t.Errorf("without a list RFC-GET-N01 ended %s, want failed", get.Outcome)
			}
		})
	}
}

func TestExpectedFailuresFileErrors(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "expected.yaml")
	if err := os.WriteFile(list, []byte("expected_failures:\n- {id: RFC-GET-N01}\n- {id: RFC-REG-001, reason: r, expires: soon}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	if code := runCommand([]string{"--expected-failures", list}, &stdout, &stderr); code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
	for _, want := range []string{"expected_failures[0].reason is required", `expected_failures[1].expires "soon" is not a date`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func specOf(t *testing.T, r *reports.Run, id string) reports.Spec {
	t.Helper()
	for _, s := range r.Specs {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("spec %s is not in the report", id)
	return reports.Spec{}
}
