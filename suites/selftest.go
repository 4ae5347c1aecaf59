package suites

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/reports"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// DefectRequirements are the register IDs the defect breaks: the requirements of the specs expected to
// catch it (expected, DefectCatches' list) and those DefectAlsoBreaks declares.
func DefectRequirements(defect string, expected []string) []string {
	var out []string
	for _, id := range expected {
		if s, ok := framework.Lookup(id); ok {
			out = append(out, s.Requirements()...)
		}
	}
	out = append(out, DefectAlsoBreaks[defect]...)
	slices.Sort(out)
	return slices.Compact(out)
}

// Collateral are the failed specs that name none of the requirements the defect breaks: one deviation
// that failed a spec other than the one owning it (a set-up step judged too strictly, or a shared state).
func Collateral(defect string, expected, failed []string) []string {
	broken := DefectRequirements(defect, expected)
	var out []string
	for _, id := range failed {
		s, ok := framework.Lookup(id)
		if !ok || !slices.ContainsFunc(s.Requirements(), func(r string) bool { return slices.Contains(broken, r) }) {
			out = append(out, id)
		}
	}
	return out
}

// DefectResult is what one run against a defective bank showed.
type DefectResult struct {
	Defect     string
	Expected   []string // specs that should have failed
	Failed     []string // specs that did fail
	Missing    []string // expected but passed
	Collateral []string // failed naming none of the requirements the defect breaks (see Collateral)
	// ExpectedWarnings are the specs that should have passed with a warning (DefectWarns), Warned those
	// that did, MissingWarnings those expected that did not.
	ExpectedWarnings, Warned, MissingWarnings []string
	Ran                                       int // specs that ran
	Duration                                  time.Duration
	Err                                       error // the run itself broke (crash, hang, no report)
}

// Caught reports whether every expected spec failed and every spec expected to warn warned, and at
// least one did either.
func (r DefectResult) Caught() bool {
	return r.Err == nil && len(r.Failed)+len(r.Warned) > 0 && len(r.Missing) == 0 && len(r.MissingWarnings) == 0
}

// RunDefect runs the whole suite against a bank with one defect on, writing a Ginkgo JSON report
// to reportPath. It is a subprocess in practice: Ginkgo runs one suite per process.
type RunDefect func(ctx context.Context, defect, reportPath string) error

// SelfTest runs every defect of catches through run, parallel at a time, and compares what failed
// with what was expected.
func SelfTest(ctx context.Context, catches map[string][]string, run RunDefect, parallel int) []DefectResult {
	names := make([]string, 0, len(catches))
	for d := range catches {
		names = append(names, d)
	}
	sort.Strings(names)
	results := make([]DefectResult, len(names))
	dir, err := os.MkdirTemp("", "dcrconform-selftest-")
	if err != nil {
		for i, d := range names {
			results[i] = DefectResult{Defect: d, Err: err}
		}
		return results
	}
	defer os.RemoveAll(dir)
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i, d := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			start := time.Now()
			res := DefectResult{Defect: d, Expected: catches[d], ExpectedWarnings: DefectWarns[d]}
			report := filepath.Join(dir, fmt.Sprintf("%03d.json", i))
			runErr := run(ctx, d, report)
			var got Results
			got, res.Err = SpecResults(report)
			res.Failed, res.Warned, res.Ran = got.Failed, got.Warned, got.Ran
			if res.Err != nil && runErr != nil {
				res.Err = fmt.Errorf("%w (run: %v)", res.Err, runErr)
			}
			for _, id := range res.Expected {
				if !slices.Contains(res.Failed, id) {
					res.Missing = append(res.Missing, id)
				}
			}
			for _, id := range res.ExpectedWarnings {
				if !slices.Contains(res.Warned, id) {
					res.MissingWarnings = append(res.MissingWarnings, id)
				}
			}
			res.Collateral = Collateral(d, res.Expected, res.Failed)
			res.Duration = time.Since(start)
			results[i] = res
		}()
	}
	wg.Wait()
	return results
}

// CommandRunner runs each defect through a dcrconform binary: `bin run --defect D` against the
// embedded default, reusing the RSA keys saved at keyPool (none: the run's key cache), each run limited
// to timeout; extra arguments (e.g. --bank-choice) go to every run.
func CommandRunner(bin, keyPool string, timeout time.Duration, extra ...string) RunDefect {
	return func(ctx context.Context, defect, report string) error {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		args := []string{"run", "--defect", defect, "--labels", ProfileFilter(append(slices.Clone(DefectCatches[defect]), DefectWarns[defect]...)),
			"--results", report, "--junit", "", "-v=false", "--no-color"}
		if keyPool != "" {
			args = append(args, "--key-pool", keyPool)
		}
		if v := DefectVersions[defect]; v != "" {
			args = append(args, "--uk-version", v)
		}
		cmd := exec.CommandContext(ctx, bin, append(args, extra...)...)
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			return fmt.Errorf("no result within %s", timeout)
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 1 {
			return nil // specs failed: what a defect should cause
		}
		if err != nil {
			return fmt.Errorf("%w: %s", err, lastLines(string(out), 5))
		}
		return nil
	}
}

// ProfileFilter is a label filter selecting the profiles of the given specs ("uk || cdr"): a defect's
// run needs only the suites of the specs expected to catch it. Unknown IDs select every profile.
func ProfileFilter(ids []string) string {
	var profiles []string
	for _, id := range ids {
		s, ok := framework.Lookup(id)
		if !ok {
			return ""
		}
		if !slices.Contains(profiles, s.Profile) {
			profiles = append(profiles, s.Profile)
		}
	}
	sort.Strings(profiles)
	return strings.Join(profiles, " || ")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// Results is what `run --results` writes: the spec IDs that failed, those that passed with a warning,
// and how many specs ran. It carries no transcript, so a self-test child writes it without redacting
// a whole Ginkgo report.
type Results struct {
	Ran    int      `json:"ran"`
	Failed []string `json:"failed"`
	Warned []string `json:"warned,omitempty"`
}

// ResultsOf summarises a Ginkgo report as Results.
func ResultsOf(r types.Report) Results {
	res := Results{Failed: []string{}}
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt || s.State == types.SpecStateSkipped || s.State == types.SpecStatePending {
			continue
		}
		res.Ran++
		id, _, ok := reports.SplitSpecText(s.LeafNodeText)
		switch {
		case !ok:
		case s.State.Is(types.SpecStateFailureStates):
			res.Failed = append(res.Failed, id)
		case reports.Warned(s):
			res.Warned = append(res.Warned, id)
		}
	}
	sort.Strings(res.Failed)
	sort.Strings(res.Warned)
	return res
}

// FailedSpecIDs reads Results (an object) or a Ginkgo JSON report (an array) and returns the IDs of the
// specs that failed, and how many ran.
func FailedSpecIDs(reportPath string) (failed []string, ran int, err error) {
	res, err := SpecResults(reportPath)
	return res.Failed, res.Ran, err
}

// SpecResults reads Results (an object) or a Ginkgo JSON report (an array).
func SpecResults(reportPath string) (Results, error) {
	data, err := os.ReadFile(reportPath)
	if err != nil {
		return Results{}, fmt.Errorf("no report: %w", err)
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		var res Results
		if err := json.Unmarshal(t, &res); err != nil {
			return Results{}, fmt.Errorf("results %s: %w", reportPath, err)
		}
		return res, nil
	}
	var ginkgoReports []types.Report
	if err := json.Unmarshal(data, &ginkgoReports); err != nil {
		return Results{}, fmt.Errorf("report %s: %w", reportPath, err)
	}
	var all Results
	for _, r := range ginkgoReports {
		res := ResultsOf(r)
		all.Failed, all.Warned, all.Ran = append(all.Failed, res.Failed...), append(all.Warned, res.Warned...), all.Ran+res.Ran
	}
	sort.Strings(all.Failed)
	sort.Strings(all.Warned)
	return all, nil
}
