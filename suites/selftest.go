package suites

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// DefectCatches names, for each reference bank defect, the specs expected to catch it. A negative spec
// counts only when it is listed here and the self-test shows it failing against that defect.
var DefectCatches = map[string][]string{
	"skip-ssa-signature":          {"UK-REG-N01"},
	"ignore-request-exp":          {"UK-REG-N02"},
	"ignore-redirect-subset":      {"UK-REG-N03"},
	"no-revoke-on-unknown-client": {"UK-GET-N01"},
	"token-for-deleted-client":    {"UK-TOK-N01"},
	"get-after-delete-200":        {"UK-DEL-001"},
}

// DefectResult is what one run against a defective bank showed.
type DefectResult struct {
	Defect   string
	Expected []string // specs that should have failed
	Failed   []string // specs that did fail
	Missing  []string // expected but passed
	Ran      int      // specs that ran
	Duration time.Duration
	Err      error // the run itself broke (crash, hang, no report)
}

// Caught reports whether at least one spec failed and every expected spec was among them.
func (r DefectResult) Caught() bool { return r.Err == nil && len(r.Failed) > 0 && len(r.Missing) == 0 }

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
			res := DefectResult{Defect: d, Expected: catches[d]}
			report := filepath.Join(dir, fmt.Sprintf("%03d.json", i))
			runErr := run(ctx, d, report)
			res.Failed, res.Ran, res.Err = FailedSpecIDs(report)
			if res.Err != nil && runErr != nil {
				res.Err = fmt.Errorf("%w (run: %v)", res.Err, runErr)
			}
			for _, id := range res.Expected {
				if !slices.Contains(res.Failed, id) {
					res.Missing = append(res.Missing, id)
				}
			}
			res.Duration = time.Since(start)
			results[i] = res
		}()
	}
	wg.Wait()
	return results
}

var specID = regexp.MustCompile(`^\[([A-Z0-9-]+)\]`)

// FailedSpecIDs reads a Ginkgo JSON report and returns the IDs of the specs that failed, and how many ran.
func FailedSpecIDs(reportPath string) (failed []string, ran int, err error) {
	data, err := os.ReadFile(reportPath)
	if err != nil {
		return nil, 0, fmt.Errorf("no report: %w", err)
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil {
		return nil, 0, fmt.Errorf("report %s: %w", reportPath, err)
	}
	for _, r := range reports {
		for _, s := range r.SpecReports {
			if s.LeafNodeType != types.NodeTypeIt || s.State == types.SpecStateSkipped || s.State == types.SpecStatePending {
				continue
			}
			ran++
			if s.State.Is(types.SpecStateFailureStates) {
				if m := specID.FindStringSubmatch(s.LeafNodeText); m != nil {
					failed = append(failed, m[1])
				}
			}
		}
	}
	sort.Strings(failed)
	return failed, ran, nil
}
