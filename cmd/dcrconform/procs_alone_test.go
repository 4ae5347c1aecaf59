package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/harness/embedded"
	"github.com/dcrconform/dcrconform/reports"
	"github.com/dcrconform/dcrconform/suites"
)

// Against a configured bank that answers 500 to a registration served while another is in flight, run
// --procs 2 fails specs on those 500s; each is run again alone, passes, and is reported as failing only
// under concurrent load (both exchanges), never as a failure: the run's verdicts are those of --procs 1.
// Each registration answered 500 left a client, which a warning names.
func TestProcsReportFailuresOnlyUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	env, err := embedded.Start(embedded.Options{Defects: []string{"register-500-under-load"}})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	bin := plainBinary(t)
	cfg := rfc7591Config(t, env, "")
	out := filepath.Join(t.TempDir(), "run.json")
	// The concurrent specs send registrations at once on purpose, and would fail alone against this bank.
	r := runChild(t, bin, "--config", cfg, "--procs", "2", "--labels", "!concurrent", "--json", out)
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0: concurrency must not fail a spec that passes alone\n%s", r.code, lastLines(r.stdout+r.stderr, 40))
	}
	run := readRunRecord(t, out)
	if run.Summary.Failed != 0 || run.Summary.Passed == 0 {
		t.Errorf("summary %+v: want every spec passed", run.Summary)
	}
	if len(run.Findings) == 0 {
		t.Fatalf("no finding: no registration overlapped another (or none was reported)\n%s", lastLines(r.stdout, 40))
	}
	if n := strings.Count(r.stdout, "dcrconform: finding: "); n != len(run.Findings) {
		t.Errorf("the console shows %d findings, the report %d", n, len(run.Findings))
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(line, "finding:") || strings.Contains(line, "warning:") || strings.Contains(line, "specs selected") {
			t.Log(line)
		}
	}
	warned := map[string]bool{}
	for _, w := range run.Warnings {
		warned[w.ClientID] = true
	}
	for _, f := range run.Findings {
		i := slices.IndexFunc(run.Specs, func(s reports.Spec) bool { return s.ID == f.SpecID })
		switch {
		case f.Kind != reports.FindingUnderLoad:
			t.Errorf("%s: finding kind %q", f.SpecID, f.Kind)
		case len(f.UnderLoad) == 0 || f.UnderLoad[0].Status != 500:
			t.Errorf("%s: the finding carries no 500 under load: %+v", f.SpecID, f.UnderLoad)
		case len(f.Alone) == 0 || f.Alone[0].Status >= 500 || f.Alone[0].Method != f.UnderLoad[0].Method:
			t.Errorf("%s: the finding carries no answer of the same step alone: %+v", f.SpecID, f.Alone)
		case i < 0 || run.Specs[i].Outcome != reports.OutcomePassed:
			t.Errorf("%s: the spec of a finding is not reported passed", f.SpecID)
		}
	}
	// Every 500 stored a client, whose client_id the answer gave: each client the bank still holds is warned of.
	live := env.Bank.Bank.LiveClients()
	if len(live) == 0 {
		t.Errorf("the bank holds no client: the 500s left none?")
	}
	for _, id := range live {
		if !warned[id] {
			t.Errorf("client %s, left by a registration answered 500, is named by no warning; warnings: %v", id, run.Warnings)
		}
	}
}

// The self-test runs every defect a spec can catch in one process, and refuses a load-only one by name.
func TestSelfTestLeavesLoadOnlyDefectsOut(t *testing.T) {
	all, err := selectDefects("")
	if err != nil {
		t.Fatal(err)
	}
	for name := range suites.LoadOnlyDefects {
		if _, ok := all[name]; ok {
			t.Errorf("the self-test selects the load-only defect %s", name)
		}
		if _, err := selectDefects(name); err == nil || !strings.Contains(err.Error(), "concurrent load") {
			t.Errorf("--defects %s: error %v, want it refused as load-only", name, err)
		}
	}
	if len(all) != len(suites.DefectCatches) {
		t.Errorf("the self-test selects %d defects, DefectCatches lists %d", len(all), len(suites.DefectCatches))
	}
}
