package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/harness/embedded"
	"github.com/dcrconform/dcrconform/harness/opcount"
	"github.com/dcrconform/dcrconform/reports"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// Parallel runs (run --procs N): the selected specs are dealt round-robin, in catalogue order, to N
// child `dcrconform run` processes against the same target. Against the embedded default the parent
// serves the mock directory and the reference bank once; the children reach the bank over loopback,
// the directory through its admin API and the bank's clock through the parent's control endpoint
// (embedded.Share). Each child writes Ginkgo's JSON report; the parent merges them in catalogue order
// and writes every report once, as a run in one process would.

// AutoProcs is --procs auto against a target whose answers take time rather than this machine's CPU: a
// configured bank reached over the network, or the embedded bank slowed by --bank-delay. Four requests
// in flight at once is gentle for a bank and already four times faster.
const AutoProcs = 4

// shardArgs is what each child run repeats of the parent's command line.
type shardArgs struct {
	seed       int64  // one for every child, so that their reports record the same
	configPath string // "" for the embedded default, reached through sharedPath
	sharedPath string
	profile    string
	labels     string // the user's label filter (without the profile)
	focus      []string
	timeout    time.Duration
	noKeyCache bool
	noColor    bool
	verbose    bool
	stats      bool // each child writes --op-counts, for the parent's --stats
}

// maxChildOutput caps what the parent keeps of one child's console output.
const maxChildOutput = 8 << 20

// dealShards selects, in catalogue order, the specs the filter (profile and labels) and focus select and
// deals them round-robin into at most n shards.
func dealShards(filter string, focus []string, n int) ([][]string, error) {
	match, err := types.ParseLabelFilter(filter)
	if err != nil {
		return nil, fmt.Errorf("label filter %q: %w", filter, err)
	}
	var ids []string
	for _, s := range framework.Catalogue() {
		if !match(s.AllLabels()) {
			continue
		}
		if len(focus) > 0 && !slices.ContainsFunc(focus, func(f string) bool { return strings.Contains(s.SpecText(), f) }) {
			continue
		}
		ids = append(ids, s.ID)
	}
	n = min(n, len(ids))
	shards := make([][]string, n)
	for i, id := range ids {
		shards[i%n] = append(shards[i%n], id)
	}
	return shards, nil
}

// shardLabels is a child's label filter: the user's, restricted to the shard's spec IDs.
func shardLabels(user string, ids []string) string {
	only := "(" + strings.Join(ids, " || ") + ")"
	if strings.TrimSpace(user) == "" {
		return only
	}
	return "(" + user + ") && " + only
}

// writeShared writes the embedded default's description (with its token) for the children, readable by
// this user only, in dir.
func writeShared(dir string, s embedded.Shared) (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "shared.json")
	return path, os.WriteFile(path, b, 0o600)
}

func readShared(path string) (embedded.Shared, error) {
	var s embedded.Shared
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if len(b) > 1<<16 {
		return s, errors.New("larger than 64 KiB")
	}
	err = json.Unmarshal(b, &s)
	return s, err
}

// capped keeps the first max bytes written to it.
type capped struct {
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// runShards runs one child per shard at once, prints their output in shard order, and returns their
// Ginkgo reports merged (see mergeReports).
func runShards(ctx context.Context, shards [][]string, a shardArgs, filter string, started time.Time, stdout io.Writer) (types.Report, opcount.Counts, error) {
	var counts opcount.Counts
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	setShardCancel(cancel)
	defer setShardCancel(nil)
	self, err := os.Executable()
	if err != nil {
		return types.Report{}, counts, err
	}
	tmp := filepath.Dir(a.sharedPath)
	if a.sharedPath == "" {
		if tmp, err = os.MkdirTemp("", "dcrconform-procs-"); err != nil {
			return types.Report{}, counts, err
		}
		defer os.RemoveAll(tmp)
	}
	outs := make([]*capped, len(shards))
	errs := make([]error, len(shards))
	took := make([]time.Duration, len(shards))
	var wg sync.WaitGroup
	for i, ids := range shards {
		outs[i] = &capped{max: maxChildOutput}
		args := childArgs(a, ids, filepath.Join(tmp, "shard-"+strconv.Itoa(i)+".json"))
		if a.stats {
			args = append(args, "--op-counts", filepath.Join(tmp, "shard-"+strconv.Itoa(i)+".ops.json"))
		}
		cmd := exec.CommandContext(ctx, self, args...)
		cmd.Stdout, cmd.Stderr = outs[i], outs[i]
		cmd.Env = os.Environ()
		if !a.noColor {
			cmd.Env = append(cmd.Env, colorEnv+"=1")
		}
		cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) } // it writes its report of what ran
		cmd.WaitDelay = 10 * time.Second
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			errs[i] = cmd.Run()
			took[i] = time.Since(t0)
		}()
	}
	wg.Wait()
	reps := make([]types.Report, len(shards))
	var bad []error
	for i := range shards {
		fmt.Fprintf(stdout, "dcrconform: --- process %d of %d: %d specs in %.1fs ---\n", i+1, len(shards), len(shards[i]), took[i].Seconds())
		_, _ = stdout.Write(childConsole(outs[i].buf.Bytes()))
		// Exit 1: specs failed. Exit 2 with a report: every spec of the shard was skipped (its set-up
		// refused), which the merged run judges as a whole; without a report, a real error.
		var exit *exec.ExitError
		exited := errors.As(errs[i], &exit)
		if errs[i] != nil && !(exited && (exit.ExitCode() == exitFailed || exit.ExitCode() == exitUsage)) {
			bad = append(bad, fmt.Errorf("process %d of %d: %w", i+1, len(shards), errs[i]))
			continue
		}
		r, err := readGinkgoReport(filepath.Join(tmp, "shard-"+strconv.Itoa(i)+".json"))
		if err != nil {
			if errs[i] != nil {
				err = errs[i]
			}
			bad = append(bad, fmt.Errorf("process %d of %d: %w", i+1, len(shards), err))
			continue
		}
		reps[i] = r
		if a.stats {
			c, err := readOpCounts(filepath.Join(tmp, "shard-"+strconv.Itoa(i)+".ops.json"))
			if err != nil {
				bad = append(bad, fmt.Errorf("process %d of %d: %w", i+1, len(shards), err))
				continue
			}
			counts = counts.Add(c)
		}
	}
	if len(bad) > 0 {
		return types.Report{}, counts, errors.Join(bad...)
	}
	return mergeReports(reps, filter, a.focus, started), counts, nil
}

// childArgs is the command line of a child run of the specs ids, writing its Ginkgo JSON report to report.
func childArgs(a shardArgs, ids []string, report string) []string {
	args := []string{"run", "--procs", "1", "--labels", shardLabels(a.labels, ids), "--junit", "", "--ginkgo-json", report,
		"--timeout", a.timeout.String(), "-v=" + strconv.FormatBool(a.verbose), "--no-color=" + strconv.FormatBool(a.noColor), "--no-key-cache=" + strconv.FormatBool(a.noKeyCache),
		"--seed", strconv.FormatInt(a.seed, 10)}
	if a.configPath != "" {
		args = append(args, "--config", a.configPath)
	} else {
		args = append(args, "--shard-of", a.sharedPath)
	}
	if a.profile != "" {
		args = append(args, "--profile", a.profile)
	}
	for _, f := range a.focus {
		args = append(args, "--focus", f)
	}
	return args
}

// childSummary matches the summary lines a child run prints (failedSpecLines, tallyLine), which the
// parent's summary of the whole run replaces: the console prints one.
var childSummary = regexp.MustCompile(`^dcrconform: (?:\d+ specs selected: |(?:failed|panicked|timedout|interrupted|aborted): \[)`)

// childConsole is a child's console output without its summary lines.
func childConsole(out []byte) []byte {
	lines := bytes.SplitAfter(out, []byte("\n"))
	kept := lines[:0]
	for _, l := range lines {
		if !childSummary.Match(l) {
			kept = append(kept, l)
		}
	}
	return bytes.Join(kept, nil)
}

// readGinkgoReport reads a report written by reports.WriteGinkgoJSON (an array of one report).
func readGinkgoReport(path string) (types.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return types.Report{}, fmt.Errorf("no report: %w", err)
	}
	var rs []types.Report
	if err := json.Unmarshal(b, &rs); err != nil {
		return types.Report{}, fmt.Errorf("report %s: %w", path, err)
	}
	if len(rs) != 1 {
		return types.Report{}, fmt.Errorf("report %s: %d suites, want 1", path, len(rs))
	}
	return rs[0], nil
}

// mergeReports makes one report of the children's: each spec from the child that selected it (the
// others report it not selected), in catalogue order, then the failed suite-level nodes of every child;
// the selection shown is the parent's, the times the parent's run.
func mergeReports(reps []types.Report, filter string, focus []string, started time.Time) types.Report {
	out := reps[0]
	out.SpecReports = nil
	out.SpecialSuiteFailureReasons = nil
	out.SuiteConfig.LabelFilter = filter
	out.SuiteConfig.FocusStrings = nil
	for _, f := range focus {
		out.SuiteConfig.FocusStrings = append(out.SuiteConfig.FocusStrings, regexp.QuoteMeta(f))
	}
	out.StartTime, out.EndTime = started, time.Now()
	out.RunTime = out.EndTime.Sub(started)
	out.SuiteSucceeded = true
	chosen := map[string]types.SpecReport{}
	var suiteNodes types.SpecReports
	for _, r := range reps {
		out.SuiteSucceeded = out.SuiteSucceeded && r.SuiteSucceeded
		for _, reason := range r.SpecialSuiteFailureReasons {
			if !slices.Contains(out.SpecialSuiteFailureReasons, reason) {
				out.SpecialSuiteFailureReasons = append(out.SpecialSuiteFailureReasons, reason)
			}
		}
		for _, sr := range r.SpecReports {
			if sr.LeafNodeType != types.NodeTypeIt {
				if sr.State.Is(types.SpecStateFailureStates) {
					suiteNodes = append(suiteNodes, sr)
				}
				continue
			}
			id, _, ok := reports.SplitSpecText(sr.LeafNodeText)
			if !ok {
				continue
			}
			prev, seen := chosen[id]
			unselected := sr.State == types.SpecStateSkipped && sr.Failure.Message == ""
			if !seen || (prev.State == types.SpecStateSkipped && prev.Failure.Message == "" && !unselected) {
				chosen[id] = sr
			}
		}
	}
	ids := slices.Collect(maps.Keys(chosen))
	slices.SortFunc(ids, catalogueOrder())
	for _, id := range ids {
		out.SpecReports = append(out.SpecReports, chosen[id])
	}
	out.SpecReports = append(out.SpecReports, suiteNodes...)
	return out
}

// catalogueOrder compares spec IDs by their place in the catalogue (IDs outside it last, by name).
func catalogueOrder() func(a, b string) int {
	order := map[string]int{}
	for i, s := range framework.Catalogue() {
		order[s.ID] = i
	}
	return func(a, b string) int {
		oa, oka := order[a]
		ob, okb := order[b]
		switch {
		case oka && okb:
			return oa - ob
		case oka != okb:
			if oka {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	}
}

// inCatalogueOrder returns the report with its It specs in catalogue order (Ginkgo shuffles top-level
// containers by its seed), so that the reports of any run list the specs alike; other nodes keep their
// places after them.
func inCatalogueOrder(r types.Report) types.Report {
	cmp := catalogueOrder()
	idOf := func(sr types.SpecReport) string {
		if id, _, ok := reports.SplitSpecText(sr.LeafNodeText); ok && sr.LeafNodeType == types.NodeTypeIt {
			return id
		}
		return ""
	}
	specs := slices.Clone(r.SpecReports)
	slices.SortStableFunc(specs, func(a, b types.SpecReport) int {
		ia, ib := idOf(a), idOf(b)
		switch {
		case ia == "" && ib == "":
			return 0
		case ia == "":
			return 1
		case ib == "":
			return -1
		}
		return cmp(ia, ib)
	})
	r.SpecReports = specs
	return r
}

// writeOpCounts writes a child's expensive-operation counts by name (--op-counts): a child does not
// measure the operations' costs, which would take its CPU from its siblings.
func writeOpCounts(path string, c opcount.Counts) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func readOpCounts(path string) (opcount.Counts, error) {
	var c opcount.Counts
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("no operation counts: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("operation counts %s: %w", path, err)
	}
	return c, nil
}

var (
	shardMu     sync.Mutex
	shardCancel context.CancelFunc
)

func setShardCancel(c context.CancelFunc) {
	shardMu.Lock()
	shardCancel = c
	shardMu.Unlock()
}

// interruptShards sends SIGTERM to the running children (a signal to the parent, see stopOnSignal).
func interruptShards() {
	shardMu.Lock()
	defer shardMu.Unlock()
	if shardCancel != nil {
		shardCancel()
	}
}
