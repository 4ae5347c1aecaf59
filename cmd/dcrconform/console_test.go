package main

import (
	"regexp"
	"strings"
	"testing"
)

// ginkgoSummary matches the lines of Ginkgo's own end-of-run summary, which the console leaves out.
var ginkgoSummary = regexp.MustCompile(`(?m)Ran \d+ of \d+ Specs|SUCCESS!|FAIL!|\d+ Passed \||Summarizing \d+ Failure`)

// The console prints one summary, dcrconform's: not Ginkgo's "Ran 1 of 191 Specs … 190 Skipped"
// beside it, in verbose and succinct mode; the failure Ginkgo listed is in dcrconform's list.
func TestConsolePrintsOneSummary(t *testing.T) {
	bin := plainBinary(t)
	for _, verbose := range []string{"-v=true", "-v=false"} {
		r := runChild(t, bin, verbose, "--focus", "UK-REG-N01", "--defect", "skip-ssa-signature")
		if r.code != 1 {
			t.Fatalf("%s: exit %d, want 1 (UK-REG-N01 catches the defect)\n%s\n%s", verbose, r.code, r.stdout, r.stderr)
		}
		if m := ginkgoSummary.FindString(r.stdout); m != "" {
			t.Errorf("%s: the console prints Ginkgo's summary (%q):\n%s", verbose, m, r.stdout)
		}
		if n := strings.Count(r.stdout, "specs selected"); n != 1 {
			t.Errorf("%s: %d dcrconform tallies, want one:\n%s", verbose, n, r.stdout)
		}
		if !strings.Contains(r.stdout, "dcrconform: failed: [UK-REG-N01] ") {
			t.Errorf("%s: the failed spec is not listed before the tally:\n%s", verbose, r.stdout)
		}
		if !strings.Contains(r.stdout, "; profile uk; reference-bank defects: skip-ssa-signature; seed ") {
			t.Errorf("%s: the tally does not name the profile and the defect:\n%s", verbose, r.stdout)
		}
		if verbose == "-v=true" && !strings.Contains(r.stdout, "[FAILED]") {
			t.Errorf("the spec's own output is gone with Ginkgo's summary:\n%s", r.stdout)
		}
	}
}

// A focus that matches nothing exits 2 without a SUCCESS! first.
func TestFocusMatchingNothingPrintsNoSuccess(t *testing.T) {
	r := runChild(t, plainBinary(t), "-v=true", "--focus", "NO-SUCH-SPEC")
	if r.code != exitUsage || !strings.Contains(r.stderr, "no spec ran") {
		t.Fatalf("exit %d, want %d with \"no spec ran\"\n%s\n%s", r.code, exitUsage, r.stdout, r.stderr)
	}
	if m := ginkgoSummary.FindString(r.stdout); m != "" {
		t.Errorf("the console prints Ginkgo's %q before the error:\n%s", m, r.stdout)
	}
}
