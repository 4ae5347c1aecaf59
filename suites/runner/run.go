// Package runner is a conformance run: it starts the target of its kind (the embedded default, a shard
// of it, a configured bank, a bank from an image), runs the selected specs here or in --procs child
// processes of the dcrconform binary, writes the reports, and gates the verdict (expected failures).
// cmd/dcrconform parses the flags into Options and calls Run.
package runner

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/config"
	"github.com/dcrconform/dcrconform/harness/keycache"
	"github.com/dcrconform/dcrconform/harness/opcount"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/harness/transcript"
	"github.com/dcrconform/dcrconform/mockdirectory"
	"github.com/dcrconform/dcrconform/reports"
	"github.com/dcrconform/dcrconform/suites"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// Exit statuses of a run.
const (
	ExitOK     = 0 // every selected spec passed (perhaps with warnings), or failed only as expected
	ExitFailed = 1 // a spec failed
	ExitUsage  = 2 // a usage or configuration error
)

// version is what the reports name as the tool's version (Options.ToolVersion).
var version = "dev"

func toolVersion() string { return version }

const (
	exitOK     = ExitOK
	exitFailed = ExitFailed
	exitUsage  = ExitUsage
)

// Options are a run's settings: the flags of `dcrconform run`, parsed and checked by the command.
type Options struct {
	ConfigPath string // a configured bank ("": the embedded default, or a shard of it with ShardOf)
	ShardOf    string // the file describing the embedded default a parent run --procs shares (a child's)
	Profile    string // run only this profile's specs
	Labels     string // Ginkgo label filter
	Focus      []string

	JUnit, JSON, HTML, Results, GinkgoJSON, Stats, CPUProfile, OpCounts string // outputs ("": none)
	ExpectedPath                                                        string // --expected-failures FILE
	ReportOptions                                                       reports.Options
	Signer                                                              crypto.Signer // signs the JSON record

	Verbose, NoColor, NoKeyCache bool
	Timeout                      time.Duration // per request
	Seed                         int64         // Ginkgo's random seed (0 is not a seed: the command picks one)
	Procs                        int           // child processes at once; with ProcsAuto, resolved per target kind
	ProcsAuto                    bool

	// The embedded reference bank's: defects, legal choices (parsed, and as given), key pool, UK version, delay.
	Defects, ChoiceArgs []string
	Choices             bank.Choices
	KeyPool, UKVersion  string
	BankDelay           time.Duration

	Container   *ContainerFlags // --image and its companions
	ToolVersion string          // what the reports name as the tool's version
}

// embeddedOnly reports whether flags shape the embedded reference bank, which a configured or container
// target does not have.
func (o *Options) EmbeddedOnly() bool {
	return len(o.Defects) > 0 || len(o.ChoiceArgs) > 0 || o.KeyPool != "" || o.UKVersion != "" || o.BankDelay != 0
}

// runState is what a run learns as it goes: from its reports, its children and its verdict.
type runState struct {
	o           *Options
	st          *startedTarget
	expected    *expectedFailures
	started     time.Time
	opsBefore   opcount.Counts
	childOps    opcount.Counts // the expensive operations of --procs children, for --stats
	passed      bool
	suite       *suites.T
	reportErr   error
	ran         int
	skipped     int
	warnings    []reports.Warning
	tally       string
	failedLines []string
}

// Run starts the target, runs the selected specs on it (in --procs children, or here) and reports: the
// run's exit status (ExitOK, ExitFailed, ExitUsage).
func Run(o *Options, stdout, stderr io.Writer) int {
	if o.ToolVersion != "" {
		version = o.ToolVersion
	}
	// From here on, what is printed may carry a bank's bytes: secrets masked, control bytes escaped.
	color := useColor(stdout, o.NoColor)
	childOut := transcript.ConsoleWriter(stdout, color) // run --procs children's output, escaped by them
	stdout, stderr = transcript.ConsoleWriter(stdout, false), transcript.ConsoleWriter(stderr, false)
	defer stopOnSignal()()
	rs := &runState{o: o, expected: &expectedFailures{}, suite: &suites.T{}}
	if o.ExpectedPath != "" {
		if err := rs.expected.loadFile(o.ExpectedPath); err != nil {
			fmt.Fprintf(stderr, "run: --expected-failures: %v\n", err)
			return exitUsage
		}
	}
	rs.started, rs.opsBefore = time.Now(), opcount.Snapshot()
	if o.CPUProfile != "" {
		stop, err := startCPUProfile(o.CPUProfile)
		if err != nil {
			fmt.Fprintf(stderr, "run: --cpuprofile: %v\n", err)
			return exitUsage
		}
		defer stop()
	}
	st, code, ok := startTarget(o, stdout, stderr)
	if !ok {
		return code
	}
	defer st.close()
	rs.st = st
	rs.expected.add(st.expected)
	rs.settleProcs(stdout)
	filter, err := profileLabels(o.Profile, st.tgt, o.ConfigPath != "" || o.Container.image != "", o.Labels)
	if err != nil {
		fmt.Fprintf(stderr, "run: %v\n", err)
		return exitUsage
	}
	if err = rs.runSpecs(filter, !color, childOut, stdout); err != nil && errors.Is(err, errBadShards) {
		fmt.Fprintf(stderr, "run: %v\n", err)
		return exitUsage
	}
	if code, ok := discoveryFailure(err, st.tgt, rs.started, o.JSON, o.JUnit, o.HTML, stdout, stderr); ok {
		return code
	}
	if err != nil {
		fmt.Fprintf(stderr, "run: %v\n", err)
		return exitUsage
	}
	return rs.finish(stdout, stderr)
}

// settleProcs runs a target that must be used in turn in one process, and says what --procs does.
func (rs *runState) settleProcs(stdout io.Writer) {
	o := rs.o
	switch {
	case o.Procs > 1 && rs.st.fixedReason != "":
		if !o.ProcsAuto {
			fmt.Fprintf(stdout, "dcrconform: --procs %d: running in one process: %s\n", o.Procs, rs.st.fixedReason)
		}
		o.Procs = 1
	case o.Procs > 1 && o.ProcsAuto:
		fmt.Fprintf(stdout, "dcrconform: --procs auto: %d processes at once against %s (--procs 1 runs the specs in one)\n", o.Procs, rs.st.tgt.Name)
	}
}

// errBadShards is a --procs split of the selected specs that could not be made.
var errBadShards = errors.New("--procs")

// runSpecs runs the selected specs: in --procs children when there are shards to deal, else here.
func (rs *runState) runSpecs(filter string, noColor bool, childOut, stdout io.Writer) error {
	o, tgt := rs.o, rs.st.tgt
	var shards [][]string
	if o.Procs > 1 {
		var err error
		if shards, err = dealShards(filter, o.Focus, o.Procs); err != nil {
			return fmt.Errorf("%w", errors.Join(errBadShards, err))
		}
	}
	if len(shards) <= 1 {
		var err error
		rs.passed, err = suites.Run(rs.suite, tgt, suites.Options{Seed: o.Seed, LabelFilter: filter, Focus: o.Focus, JSONPath: o.GinkgoJSON, Verbose: o.Verbose, NoColor: noColor, AfterSuite: rs.writeReports})
		return err
	}
	if err := tgt.Discover(context.Background()); err != nil {
		return err
	}
	a := shardArgs{seed: o.Seed, configPath: o.ConfigPath, sharedPath: rs.st.shared, profile: o.Profile, labels: o.Labels, focus: o.Focus, timeout: o.Timeout, noKeyCache: o.NoKeyCache, noColor: noColor, verbose: o.Verbose, stats: o.Stats != ""}
	r, childOps, err := runShards(context.Background(), shards, a, filter, rs.started, childOut)
	if err == nil {
		r, err = rerunAlone(context.Background(), r, a, len(shards), tgt.Token, stdout)
	}
	if err != nil {
		return err
	}
	rs.childOps = childOps
	if o.GinkgoJSON != "" {
		rs.reportErr = reports.WriteGinkgoJSON(o.GinkgoJSON, r)
	}
	if rs.reportErr == nil {
		rs.writeReports(r)
	}
	rs.passed = r.SuiteSucceeded
	return nil
}

// writeReports turns the run's Ginkgo report into the console's lines and the reports asked for.
func (rs *runState) writeReports(r ginkgo.Report) {
	o := rs.o
	r = inCatalogueOrder(r)
	rs.warnings = reports.Leaks(r)
	rs.failedLines = failedSpecLines(r)
	rs.tally = tallyLine(r, reports.Target{Defects: o.Defects, BankChoices: o.ChoiceArgs})
	rs.ran, rs.skipped = countRun(r)
	if o.Results != "" {
		if rs.reportErr = writeResults(o.Results, suites.ResultsOf(r)); rs.reportErr != nil {
			return
		}
	}
	if o.JSON == "" && o.JUnit == "" && o.HTML == "" && !rs.expected.active() {
		return // building and redacting a report nobody asked for is a fifth of a self-test run's CPU
	}
	run := reports.FromGinkgo(r, reportMeta(rs.st.tgt, o.Defects, o.ChoiceArgs))
	rs.expected.apply(run)
	if o.Signer != nil {
		if rs.reportErr = reports.Sign(run, o.Signer, time.Now()); rs.reportErr != nil {
			return
		}
	}
	rs.reportErr = reports.WriteAllWith(run, o.JSON, o.JUnit, o.HTML, o.ReportOptions)
}

// finish prints the run's summary and writes its statistics: the exit status.
func (rs *runState) finish(stdout, stderr io.Writer) int {
	o := rs.o
	printWarnings(stdout, rs.warnings, rs.st.liveClients)
	for _, line := range rs.failedLines {
		fmt.Fprintln(stdout, line)
	}
	if rs.tally != "" {
		fmt.Fprintln(stdout, rs.tally)
	}
	if rs.reportErr != nil {
		fmt.Fprintf(stderr, "run: writing reports: %v\n", rs.reportErr)
		return exitFailed
	}
	if rs.ran == 0 && rs.passed {
		if rs.skipped > 0 {
			fmt.Fprintf(stderr, "run: no spec ran: all %d selected specs were skipped (see their reasons above), so nothing passed\n", rs.skipped)
		} else {
			fmt.Fprintln(stderr, "run: no spec ran: --labels, --focus or --profile selected none (dcrconform list shows the catalogue)")
		}
		return exitUsage
	}
	ops := opcount.Snapshot().Sub(rs.opsBefore)
	if o.OpCounts != "" {
		if err := writeOpCounts(o.OpCounts, ops); err != nil {
			fmt.Fprintf(stderr, "run: --op-counts: %v\n", err)
			return exitFailed
		}
	}
	if o.Stats != "" {
		if err := writeStats(o.Stats, o.Profile, o.Procs, time.Since(rs.started), ops.Add(rs.childOps), rs.ran, rs.skipped, rs.passed && !rs.suite.Failed); err != nil {
			fmt.Fprintf(stderr, "run: --stats: %v\n", err)
			return exitFailed
		}
	}
	printReportPaths(stdout, o.JUnit, o.JSON, o.HTML)
	if rs.expected.active() {
		rs.expected.print(stdout)
		return rs.expected.exitCode()
	}
	if !rs.passed || rs.suite.Failed {
		return exitFailed
	}
	return exitOK
}

// useKeyCache makes this process's throwaway RSA keys come from the key cache (the file under the
// user's cache folder when persist, else none), generated ahead on every core when it runs short.
// The returned func writes new keys back.
func useKeyCache(persist bool, stderr io.Writer) func() {
	path := ""
	if persist {
		var err error
		if path, err = keycache.DefaultPath(); err != nil {
			fmt.Fprintf(stderr, "dcrconform: no key cache (%v): generating every key\n", err)
		}
	}
	kc := keycache.Open(path, keycache.DefaultSize)
	pki.SetRSAKeySource(kc.RSAKey)
	return func() {
		pki.SetRSAKeySource(nil)
		if err := kc.Close(); err != nil {
			fmt.Fprintf(stderr, "dcrconform: key cache not written: %v\n", err)
		}
	}
}

// checkSkips refuses overrides.skip and overrides.specs entries that name no scenario, so that a typo
// cannot run a spec the user meant to skip or loosen.
func checkSkips(cfg *config.Config) error {
	if cfg.Overrides == nil {
		return nil
	}
	for i, s := range cfg.Overrides.Skip {
		if _, ok := framework.Lookup(s.ID); !ok {
			return fmt.Errorf("overrides.skip[%d]: %q is not a scenario ID (dcrconform list shows them)", i, s.ID)
		}
	}
	ids := slices.Sorted(maps.Keys(cfg.Overrides.Specs))
	for _, id := range ids {
		if _, ok := framework.Lookup(id); !ok {
			return fmt.Errorf("overrides.specs.%s: not a scenario ID (dcrconform list shows them)", id)
		}
	}
	return nil
}

// reportMeta describes the run for the reports, with the catalogue for specs that never started.
// defects and choices are the embedded reference bank's (run --defect, --bank-choice), for the reports
// to name.
func reportMeta(tgt *target.Target, defects, choices []string) reports.Meta {
	cat := suites.ReportCatalogue()
	endpoints := map[string]string{}
	for name, p := range tgt.Profiles {
		if p != nil && p.Registration != "" {
			endpoints[name] = p.Registration
		}
	}
	return reports.Meta{ToolVersion: toolVersion(), TargetName: tgt.Name, Profile: tgt.Profile, DiscoveryURL: tgt.DiscoveryURL,
		RegistrationURL: tgt.Registration, TokenURL: tgt.Token, ProfileEndpoints: endpoints, Defects: defects, BankChoices: choices,
		Catalogue: cat, Coverage: suites.ReportCoverage()}
}

// serveConfiguredDirectory starts the mock directory a config asks for and serves it until stop.
func serveConfiguredDirectory(c *config.Directory, stderr io.Writer) (*mockdirectory.Directory, func(), error) {
	dir, err := mockdirectory.New(mockdirectory.Config{StateDir: c.State, IdentitiesInMemory: true})
	if err != nil {
		return nil, nil, err
	}
	// The state keeps the CA and the signing keys (what the bank trusts); a run's identities are its own:
	// those a killed run left go now, this run's when it stops.
	if err := removeIdentities(dir); err != nil {
		_ = dir.Close()
		return nil, nil, err
	}
	addr := c.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = dir.Close()
		return nil, nil, err
	}
	base := c.BaseURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	dir.SetBaseURL(base)
	srv := mockdirectory.HTTPServer(dir.Handler())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "directory: %v\n", err)
		}
	}()
	fmt.Fprintf(stderr, "dcrconform: mock directory at %s (key set %s%s)\n", base, base, dir.JWKSPath())
	return dir, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := removeIdentities(dir); err != nil {
			fmt.Fprintf(stderr, "directory: %v\n", err)
		}
		_ = dir.Close()
	}, nil
}

// quietLogger logs warnings and errors only, so that spec progress stays readable.
func QuietLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// colorEnv tells a run --procs child that its parent prints to a terminal: the child colours its piped
// output, which the parent passes through.
const colorEnv = "DCRCONFORM_COLOR"

// useColor: colours only on a terminal (or for a parent on one, see colorEnv), never with --no-color or
// $NO_COLOR (https://no-color.org).
func useColor(w io.Writer, noColor bool) bool {
	if noColor || os.Getenv("NO_COLOR") != "" {
		return false
	}
	if os.Getenv(colorEnv) == "1" {
		return true
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// stopOnSignal makes SIGINT and SIGTERM end the run at once: every request in flight or to come fails
// (client.Interrupt), so that the spec running and its cleanup end without waiting for the target, and
// the run writes the reports of what ran (Ginkgo, which sees the signal too, skips the specs left; run
// --procs children get SIGTERM from runShards). The returned func stops listening.
func stopOnSignal() func() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			client.Interrupt()
			interruptShards()
		case <-done:
		}
	}()
	return func() { signal.Stop(sigs); close(done) }
}
