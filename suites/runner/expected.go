package runner

import (
	"fmt"
	"io"
	"time"

	"github.com/dcrconform/dcrconform/harness/gate"
	"github.com/dcrconform/dcrconform/reports"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// expectedFailures is a run's list of known failures: the config's expected_failures, then the entries
// of --expected-failures FILE. Nil when neither gives any: the run then gates on every failure.
type expectedFailures struct {
	list   []gate.ExpectedFailure
	result *reports.Gate // set when the run's report was gated
}

func (e *expectedFailures) add(entries []gate.ExpectedFailure) { e.list = append(e.list, entries...) }

// loadFile adds the entries of an --expected-failures file.
func (e *expectedFailures) loadFile(path string) error {
	entries, err := gate.Load(path)
	if err != nil {
		return err
	}
	e.add(entries)
	return nil
}

// active reports whether the run gates on a list.
func (e *expectedFailures) active() bool { return e != nil && len(e.list) > 0 }

// apply marks the run's listed failures as expected and keeps the gate's verdict.
func (e *expectedFailures) apply(run *reports.Run) {
	if !e.active() {
		return
	}
	known := func(id string) bool { _, ok := framework.Lookup(id); return ok }
	g := reports.ApplyExpected(run, e.list, known, time.Now())
	e.result = &g
}

// print writes the gate's verdict: the expected failures, then every problem that fails the run.
func (e *expectedFailures) print(w io.Writer) {
	if e.result == nil {
		return
	}
	fmt.Fprintf(w, "dcrconform: %d of %d listed expected failures failed as expected", len(e.result.Expected), len(e.list))
	if e.result.OK() {
		fmt.Fprintln(w, "; nothing else failed")
		return
	}
	fmt.Fprintf(w, "; %d problems fail the run:\n", len(e.result.Problems))
	for _, p := range e.result.Problems {
		fmt.Fprintf(w, "  %-12s %s\n", p.Kind, p.Text())
	}
}

// exitCode is the run's exit status under the list: 0 when only expected failures failed, else 1. A
// failure outside any spec (a suite node's) is in the report as a spec of its own, and so a new failure.
func (e *expectedFailures) exitCode() int {
	if e.result == nil || !e.result.OK() {
		return exitFailed
	}
	return exitOK
}
