package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/harness/embedded"
	"github.com/dcrconform/dcrconform/reports"
)

// verdict is what two runs of the same catalogue against equal banks must agree on for one spec.
type verdict struct {
	line      string   // ID, outcome and reason (up to the request, which names fresh identities)
	exchanges []string // method and status of each exchange
}

// verdicts are the report's specs' verdicts, in report order.
func verdicts(t *testing.T, path string) (out []verdict, sum reports.Summary) {
	t.Helper()
	run := readRunRecord(t, path)
	port := regexp.MustCompile(`127\.0\.0\.1:\d+`)
	for _, s := range run.Specs {
		var exs []string
		for _, ex := range s.Exchanges {
			exs = append(exs, fmt.Sprintf("%s %d", ex.Method, ex.Status))
		}
		if slices.Contains(s.Labels, "concurrent") { // requests sent at once: which one wins is the bank's race, not --procs's
			exs = nil
		}
		reason, _, _ := strings.Cut(s.Reason, "\nrequest:")
		out = append(out, verdict{fmt.Sprintf("%s %s %q", s.ID, s.Outcome, port.ReplaceAllString(reason, "127.0.0.1:PORT")), exs})
	}
	return out, run.Summary
}

// junitCase is one test case of a JUnit report.
type junitCase struct {
	Name    string `xml:"name,attr"`
	Failure *struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	} `xml:"failure"`
	Skipped *struct{} `xml:"skipped"`
}

// readJUnit returns every test case of the JUnit report at path, in order.
func readJUnit(t *testing.T, path string) []junitCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Cases []junitCase `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var out []junitCase
	for _, s := range doc.Suites {
		out = append(out, s.Cases...)
	}
	return out
}

// junitCases lists the JUnit report's test cases and whether each failed or was skipped, in order.
func junitCases(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	for _, c := range readJUnit(t, path) {
		out = append(out, fmt.Sprintf("%s failed=%v skipped=%v", c.Name, c.Failure != nil, c.Skipped != nil))
	}
	return out
}

// run --procs 8 against the embedded default, with two defects that fail specs, gives every spec the
// verdict and exchanges of a run in one process, in the same report order, and leaves nothing behind. The specs that
// expire tokens (the bank's clock) and revoke software or deactivate an organisation (the directory)
// pass only when a child reaches the parent's bank and directory.
func TestProcsGiveTheVerdictsOfOneProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	bin := plainBinary(t)
	dir := t.TempDir()
	cache := t.TempDir()
	run := func(name string, procs int) string {
		base := filepath.Join(dir, name)
		cmd := exec.Command(bin, "run", "--procs", fmt.Sprint(procs), "--defect", "skip-ssa-signature", "--defect", "unknown-client-404",
			"--bank-delay", "2ms", "--json", base+".json", "--junit", base+".xml", "--html", base+".html", "-v=false", "--no-color")
		cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache, "HOME="+cache)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != exitFailed {
			t.Fatalf("%s: exit %v, want 1 (the defects fail specs)\n%s", name, err, lastLines(out.String(), 40))
		}
		if strings.Contains(out.String(), "dcrconform: warning:") { // a leak, not a spec's SHOULD warning
			t.Errorf("%s: the run left registrations behind:\n%s", name, lastLines(out.String(), 20))
		}
		// One summary: the parent's, not each process's too (nor Ginkgo's).
		if n := strings.Count(out.String(), "specs selected: "); n != 1 || ginkgoSummary.MatchString(out.String()) {
			t.Errorf("%s: %d tallies (or Ginkgo's summary), want the one of the whole run:\n%s", name, n, lastLines(out.String(), 20))
		}
		return base
	}
	one, eight := run("procs1", 1), run("procs8", 8)
	v1, s1 := verdicts(t, one+".json")
	v8, s8 := verdicts(t, eight+".json")
	if s1 != s8 {
		t.Errorf("summaries differ: --procs 1 %+v, --procs 8 %+v", s1, s8)
	}
	if s1.Total < 174 || s1.Failed == 0 {
		t.Errorf("--procs 1 summary %+v: want every profile's specs and the defects' failures", s1)
	}
	if len(v1) != len(v8) {
		t.Fatalf("--procs 1 reports %d specs, --procs 8 %d", len(v1), len(v8))
	}
	for i := range v1 {
		a, b := v1[i], v8[i]
		if a.line != b.line {
			t.Errorf("spec %d:\n --procs 1: %s\n --procs 8: %s", i, a.line, b.line)
		} else if !slices.Equal(a.exchanges, b.exchanges) {
			t.Errorf("%s: exchanges differ:\n --procs 1: %v\n --procs 8: %v", a.line, a.exchanges, b.exchanges)
		}
	}
	j1, j8 := junitCases(t, one+".xml"), junitCases(t, eight+".xml")
	if strings.Join(j1, "\n") != strings.Join(j8, "\n") {
		t.Errorf("JUnit test cases differ:\n--procs 1:\n%s\n--procs 8:\n%s", strings.Join(j1, "\n"), strings.Join(j8, "\n"))
	}
	want := map[string]string{"UK-GET-N04": "passed", "CDR-GET-N01": "passed", "UK-REG-N23": "passed", "UK-REG-N24": "passed", "UK-REG-N01": "failed", "RFC-GET-N04": "failed"}
	for id, outcome := range want {
		found := false
		for _, v := range v8 {
			found = found || strings.HasPrefix(v.line, id+" "+outcome+" ")
		}
		if !found {
			t.Errorf("--procs 8: %s did not end %s (token expiry, revocation and organisation status go through the parent; the defects fail the others)", id, outcome)
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// A configured target runs in parallel when its specs need no shared software (plain RFC 7591: each
// child runs the same config), and in one process when its one software is fixed.
func TestProcsAgainstConfiguredTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	env, err := embedded.Start(embedded.Options{Defects: []string{"unknown-client-404"}})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	bin := plainBinary(t)
	cfg := rfc7591Config(t, env, "")
	// The default, --procs auto, is 4 processes against a configured target that needs no fixed software.
	one, four := runChild(t, bin, "--config", cfg, "--procs", "1"), runChild(t, bin, "--config", cfg)
	if strings.Count(four.stdout, "--procs auto: 4 processes at once") != 1 || !strings.Contains(four.stdout, "process 4 of 4") {
		// Once: a child runs its shard in one process, never in children of its own.
		t.Errorf("--procs auto against a plain RFC 7591 config did not run 4 processes, once:\n%s", lastLines(four.stdout, 20))
	}
	if strings.Contains(one.stdout, "process 1 of") {
		t.Errorf("--procs 1 ran child processes:\n%s", lastLines(one.stdout, 20))
	}
	for _, state := range []types.SpecState{types.SpecStatePassed, types.SpecStateFailed, types.SpecStateSkipped} {
		a, b := one.specs(state), four.specs(state)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Errorf("%s: --procs 1 %v, --procs 4 %v", state, a, b)
		}
	}
	if len(one.specs(types.SpecStateFailed)) == 0 || one.code != exitFailed || four.code != exitFailed {
		t.Errorf("the defect failed no spec, or an exit status is not 1: %d, %d", one.code, four.code)
	}

	fixed := runChild(t, bin, "--config", fixedSSAConfig(t, env, "{}"), "--procs", "4")
	if !strings.Contains(fixed.stdout, "running in one process: the configured software is fixed") || strings.Contains(fixed.stdout, "process 1 of") {
		t.Errorf("--procs 4 with a fixed software did not run in one process:\n%s", lastLines(fixed.stdout, 20))
	}
	if len(fixed.specs(types.SpecStatePassed)) == 0 {
		t.Errorf("the fixed-software run passed no spec:\n%s", lastLines(fixed.stdout+fixed.stderr, 20))
	}
	fixedAuto := runChild(t, bin, "--config", fixedSSAConfig(t, env, "{}"))
	if strings.Contains(fixedAuto.stdout, "process 1 of") || strings.Contains(fixedAuto.stdout, "--procs") {
		t.Errorf("--procs auto with a fixed software did not run quietly in one process:\n%s", lastLines(fixedAuto.stdout, 20))
	}
}
