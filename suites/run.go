// Package suites runs the conformance specs of every profile against a target, from the CLI or from
// go test, with Ginkgo configured in code.
package suites

import (
	"context"
	"fmt"
	"regexp"
	"sync"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/harness/transcript"
	"github.com/dcrconform/dcrconform/reports"
	"github.com/dcrconform/dcrconform/suites/framework"
	// Each suite package registers its profile and specs.
	_ "github.com/dcrconform/dcrconform/suites/cdr"
	_ "github.com/dcrconform/dcrconform/suites/generic"
	_ "github.com/dcrconform/dcrconform/suites/is"
	_ "github.com/dcrconform/dcrconform/suites/rfc7591"
	_ "github.com/dcrconform/dcrconform/suites/uk"
)

// Options select specs and outputs of a run.
type Options struct {
	LabelFilter string   // Ginkgo label filter, e.g. "uk && negative"
	Focus       []string // spec IDs or text fragments; empty runs all
	JUnitPath   string   // JUnit XML report; empty writes none
	JSONPath    string   // Ginkgo JSON report; empty writes none
	Verbose     bool     // print each spec's text as it runs
	NoColor     bool
	Seed        int64              // Ginkgo's random seed, which orders the spec groups; 0: Ginkgo's own (the time)
	AfterSuite  func(types.Report) // receives the whole report, e.g. to write our own formats
}

// consoleOnce wraps Ginkgo's console once per process: secrets masked, a bank's control bytes escaped,
// and Ginkgo's summary left out (console).
var (
	consoleOnce sync.Once
	console     *consoleGate
)

// T is the minimal testing.T a plain main needs to call RunSpecs.
type T struct{ Failed bool }

// Fail marks the run failed.
func (t *T) Fail() { t.Failed = true }

// Run discovers the target's endpoints and runs the selected specs against it. It returns whether
// every selected spec passed; RunSpecs may be called only once per process.
func Run(t ginkgo.GinkgoTestingT, tgt *target.Target, opts Options) (bool, error) {
	if err := tgt.Discover(context.Background()); err != nil {
		return false, err
	}
	framework.SetTarget(tgt)
	suiteCfg, reporterCfg := ginkgo.GinkgoConfiguration()
	suiteCfg.LabelFilter = opts.LabelFilter
	if _, err := types.ParseLabelFilter(opts.LabelFilter); err != nil {
		return false, fmt.Errorf("label filter %q: %w", opts.LabelFilter, err)
	}
	for _, f := range opts.Focus {
		suiteCfg.FocusStrings = append(suiteCfg.FocusStrings, regexp.QuoteMeta(f))
	}
	suiteCfg.RandomizeAllSpecs = false
	if opts.Seed != 0 {
		suiteCfg.RandomSeed = opts.Seed
	}
	reporterCfg.JUnitReport = opts.JUnitPath
	consoleOnce.Do(func() {
		console = &consoleGate{w: transcript.ConsoleWriter(formatter.ColorableStdOut, !opts.NoColor)}
		formatter.ColorableStdOut = console
	})
	console.setClosed(false)
	if opts.JSONPath != "" {
		// Written here rather than by Ginkgo, so that it is redacted like every other output.
		ginkgo.ReportAfterSuite("dcrconform ginkgo JSON report", func(r ginkgo.Report) {
			if err := reports.WriteGinkgoJSON(opts.JSONPath, r); err != nil {
				ginkgo.Fail("writing the Ginkgo JSON report: " + err.Error())
			}
		})
	}
	reporterCfg.Verbose = opts.Verbose
	reporterCfg.Succinct = !opts.Verbose
	reporterCfg.NoColor = opts.NoColor
	if opts.AfterSuite != nil {
		ginkgo.ReportAfterSuite("dcrconform reports", func(r ginkgo.Report) { opts.AfterSuite(r) })
	}
	// Registered last, so that it starts once every other report node has printed what it had to.
	ginkgo.ReportAfterSuite(gateNode, func(ginkgo.Report) { console.setClosed(true) })
	passed := ginkgo.RunSpecs(t, "dcrconform: "+tgt.Name, suiteCfg, reporterCfg)
	console.setClosed(false)
	return passed, nil
}
