package suites_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/suites"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// concurrentRuns is how many times each concurrent spec runs against its defect and against the
// correct bank: a race the spec catches by luck would show as a run that passes.
const concurrentRuns = 20

// TestConcurrentSpecsCatchTheirRaces runs every spec labelled concurrent concurrentRuns times against
// each defect expected to catch it (DefectCatches: it must fail every time; DefectWarns: warn every
// time), and concurrentRuns times against the correct bank, where it must pass without a warning every
// time. One child process per run (Ginkgo runs a suite once per process), two at a time.
func TestConcurrentSpecsCatchTheirRaces(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	type job struct {
		defect string // "" for the correct bank
		specs  []string
		warn   bool
	}
	var concurrent []string
	for _, s := range framework.Catalogue() {
		if slices.Contains(s.Labels, framework.ConcurrentLabel) {
			concurrent = append(concurrent, s.ID)
		}
	}
	if len(concurrent) == 0 {
		t.Fatal("no spec is labelled concurrent")
	}
	jobs := []job{{specs: concurrent}}
	caught := map[string]bool{}
	for _, table := range []struct {
		m    map[string][]string
		warn bool
	}{{suites.DefectCatches, false}, {suites.DefectWarns, true}} {
		for defect, ids := range table.m {
			var mine []string
			for _, id := range ids {
				if slices.Contains(concurrent, id) {
					mine = append(mine, id)
					caught[id] = true
				}
			}
			if len(mine) > 0 {
				jobs = append(jobs, job{defect: defect, specs: mine, warn: table.warn})
			}
		}
	}
	for _, id := range concurrent {
		if s, _ := framework.Lookup(id); s.Kind == framework.Negative && !caught[id] {
			t.Errorf("concurrent spec %s is caught by no defect", id)
		}
	}
	bin, poolPath := childBinary(t)
	dir := t.TempDir() // the runs' reports
	start := time.Now()
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	var mu sync.Mutex
	misses := map[string]int{} // "defect spec" -> runs that did not show what was expected
	for _, j := range jobs {
		for run := range concurrentRuns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				report := filepath.Join(dir, fmt.Sprintf("%s-%d.json", j.defect, run))
				args := []string{"run", "--key-pool", poolPath, "--results", report, "--junit", "", "-v=false", "--no-color"}
				if j.defect != "" {
					args = append(args, "--defect", j.defect)
				}
				for _, id := range j.specs {
					args = append(args, "--focus", id)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				out, _ := exec.CommandContext(ctx, bin, args...).CombinedOutput()
				got, err := suites.SpecResults(report)
				mu.Lock()
				defer mu.Unlock()
				if err != nil || got.Ran != len(j.specs) {
					t.Errorf("defect %q run %d: %v (ran %d of %v)\n%s", j.defect, run, err, got.Ran, j.specs, lastLines(string(out), 20))
					return
				}
				for _, id := range j.specs {
					failed, warned := slices.Contains(got.Failed, id), slices.Contains(got.Warned, id)
					var ok bool
					switch {
					case j.defect == "":
						ok = !failed && !warned
					case j.warn:
						ok = warned && !failed
					default:
						ok = failed
					}
					if !ok {
						misses[j.defect+" "+id]++
					}
				}
			}()
		}
	}
	wg.Wait()
	for _, j := range jobs {
		for _, id := range j.specs {
			want := "fail"
			switch {
			case j.defect == "":
				want = "pass the correct bank"
			case j.warn:
				want = "warn"
			}
			if n := misses[j.defect+" "+id]; n > 0 {
				t.Errorf("%s against %q: %d of %d runs did not %s", id, j.defect, n, concurrentRuns, want)
			} else {
				t.Logf("%s against %q: %d of %d runs %s", id, j.defect, concurrentRuns, concurrentRuns, want)
			}
		}
	}
	t.Logf("%d runs in %s", len(jobs)*concurrentRuns, time.Since(start).Round(time.Second))
}
