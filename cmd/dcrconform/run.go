package main

import (
	"context"
	"crypto"
	"encoding/json"
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
	"strings"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/config"
	"github.com/dcrconform/dcrconform/harness/keycache"
	"github.com/dcrconform/dcrconform/harness/opcount"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/harness/profiles"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/harness/transcript"
	"github.com/dcrconform/dcrconform/mockdirectory"
	"github.com/dcrconform/dcrconform/reports"
	"github.com/dcrconform/dcrconform/suites"
	"github.com/dcrconform/dcrconform/suites/framework"
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runSuites(args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseRunFlags(args, stdout, stderr)
	if !ok {
		return code
	}
	return executeRun(o, stdout, stderr)
}

// runOptions are run's flags, parsed and checked.
type runOptions struct {
	configPath, labels, profile, shardOf, keyPool, ukVersion, expectedPath             string
	junit, jsonOut, htmlOut, resultsOut, ginkgoJSON, statsOut, cpuProfile, opCountsOut string
	verbose, noColor, noKeyCache                                                       bool
	timeout, bankDelay                                                                 time.Duration
	seed                                                                               int64
	procs                                                                              int
	procsAuto                                                                          bool
	focus, defects, choiceArgs                                                         []string
	choices                                                                            bank.Choices
	reportOpts                                                                         reports.Options
	signer                                                                             crypto.Signer
	container                                                                          *containerFlags
}

// embeddedOnly reports whether flags shape the embedded reference bank, which a configured or container
// target does not have.
func (o *runOptions) embeddedOnly() bool {
	return len(o.defects) > 0 || len(o.choiceArgs) > 0 || o.keyPool != "" || o.ukVersion != "" || o.bankDelay != 0
}

// parseRunFlags reads run's flags; ok is false with the exit code when they are wrong.
func parseRunFlags(args []string, stdout, stderr io.Writer) (o *runOptions, code int, ok bool) {
	o = &runOptions{}
	fs := newCLI("run", "run [--config FILE] [--profile P] [--labels FILTER] [--focus ID] [--junit F] [--json F] [--html F] [--image IMG ...]",
		`Runs the conformance suites against a bank: the embedded reference bank by default, an external bank
described by --config (dcrconform init writes one), or a bank started from a Docker image (--image).
Exit status: 0 every selected spec passed (some perhaps with a warning: a SHOULD or MAY not met), 1 a spec
failed, 2 a usage or configuration error.`, stdout, stderr)
	fs.StringVar(&o.configPath, "config", "", "YAML file describing an external bank (default: the embedded reference bank)")
	fs.StringVar(&o.labels, "labels", "", `Ginkgo label filter, e.g. "uk && negative" or "register"`)
	fs.StringVar(&o.profile, "profile", "", "run only this profile's specs: "+strings.Join(profiles.Names(), ", ")+" (default: the configuration's profile; every profile against the embedded default)")
	fs.StringVar(&o.junit, "junit", "dcrconform-junit.xml", "JUnit XML report path (empty: none)")
	transcripts := fs.transcriptFlags()
	fs.StringVar(&o.jsonOut, "json", "", "JSON report with every exchange, secrets masked (empty: none)")
	fs.StringVar(&o.htmlOut, "html", "", "self-contained HTML report (empty: none)")
	signKey := fs.String("sign-key", "", "PEM private `key` (RSA, ECDSA or Ed25519) that signs the JSON record (needs --json); dcrconform report verify checks it")
	fs.StringVar(&o.resultsOut, "results", "", `write {"ran": N, "failed": [spec IDs]} as JSON, for the self-test (empty: none)`)
	fs.StringVar(&o.ginkgoJSON, "ginkgo-json", "", "Ginkgo's raw JSON report, for the self-test (empty: none)")
	fs.BoolVar(&o.verbose, "v", true, "print every spec as it runs")
	fs.BoolVar(&o.noColor, "no-color", false, "no colours in the output")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "per-request timeout against the target (config's target.timeout wins)")
	fs.StringVar(&o.statsOut, "stats", "", "write the run's wall time, spec counts, expensive-operation counts and crypto floor as JSON (for dcrconform bench)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a pprof CPU profile of the run")
	fs.Int64Var(&o.seed, "seed", 0, "Ginkgo random seed ordering the spec groups; every report records the run's (default: the time), and --seed replays it")
	fs.BoolVar(&o.noKeyCache, "no-key-cache", false, "neither read nor write the RSA keys kept across runs: the key cache under the user's cache folder (embedded default), the key pool in a config's directory state folder (keys are then all generated in this run)")
	procsFlag := fs.String("procs", "auto", fmt.Sprintf("run the selected specs in this many child processes at once against the same target; auto: %d against a configured target or a slow embedded bank (--bank-delay), 1 against the embedded default (CPU-bound: more processes only add start-up) and whenever a configured target's fixed software, mock directory block or --image must be used in turn", autoProcs))
	fs.StringVar(&o.opCountsOut, "op-counts", "", "internal: write the run's expensive-operation counts as JSON to this `file` (a run --procs child's, for the parent's --stats)")
	fs.StringVar(&o.shardOf, "shard-of", "", "internal: the `file` describing the embedded default a parent run --procs shares with this child")
	fs.DurationVar(&o.bankDelay, "bank-delay", 0, "embedded default only: the reference bank waits this long before every answer (a slow bank, e.g. to measure --procs)")
	fs.StringVar(&o.expectedPath, "expected-failures", "", "YAML `file` of expected failures ({expected_failures: [{id, reason, expires, last_seen}]}): they fail as expected without failing the run; a new failure, a listed spec that passes, an expired entry or an unknown ID exits 1")
	fs.StringVar(&o.keyPool, "key-pool", "", "embedded default only: PEM file of RSA keys to reuse instead of generating one per software (for self-tests)")
	fs.Var((*stringList)(&o.focus), "focus", "run only specs whose ID or title contains this (repeatable)")
	fs.Var((*stringList)(&o.defects), "defect", "embedded default only: switch on a reference bank defect (repeatable)")
	fs.StringVar(&o.ukVersion, "uk-version", "", "embedded default only: the UK OBIE DCR version (3.1, 3.2, 3.3) the uk specs are run at (a config gives target.version)")
	fs.Var((*stringList)(&o.choiceArgs), "bank-choice", "embedded default only: a legal reference bank behaviour where the specs leave a choice, NAME=VALUE (repeatable): "+strings.Join(bank.ChoiceNames(), "; "))
	o.container = addContainerFlags(fs.FlagSet)
	if code, ok := fs.parse(args); !ok {
		return nil, code, false
	}
	if code, ok := fs.noArgs(); !ok {
		return nil, code, false
	}
	var err error
	if o.reportOpts, err = transcripts.options(); err != nil {
		return nil, fs.usageError("%v", err), false
	}
	if *signKey != "" {
		if o.jsonOut == "" {
			return nil, fs.usageError("--sign-key signs the JSON record: give --json"), false
		}
		if o.signer, err = loadSigningKey(*signKey); err != nil {
			return nil, fs.badValue("--sign-key: %v", err), false
		}
	}
	if o.procs, o.procsAuto, err = parseProcs(*procsFlag); err != nil {
		return nil, fs.usageError("--procs: %v", err), false
	}
	if code, ok := o.check(stderr); !ok {
		return nil, code, false
	}
	return o, 0, true
}

// check refuses flags that contradict each other, and reads the bank choices.
func (o *runOptions) check(stderr io.Writer) (code int, ok bool) {
	if o.seed == 0 { // chosen here, so that every --procs child and every report has the same
		o.seed = time.Now().UnixNano() % 1_000_000_000
	}
	if o.timeout <= 0 {
		fmt.Fprintln(stderr, "run: --timeout must be positive")
		return exitUsage, false
	}
	if o.configPath != "" && (o.embeddedOnly() || o.shardOf != "") {
		fmt.Fprintln(stderr, "run: --defect, --bank-choice, --bank-delay, --key-pool, --shard-of and --uk-version apply to the embedded reference bank only, not with --config (give target.version)")
		return exitUsage, false
	}
	var err error
	if o.choices, err = bank.ParseChoices(o.choiceArgs); err != nil {
		fmt.Fprintf(stderr, "run: --bank-choice: %v\n", err)
		return exitUsage, false
	}
	return 0, true
}

// runState is what a run learns as it goes: from its reports, its children and its verdict.
type runState struct {
	o           *runOptions
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

// executeRun starts the target, runs the selected specs on it (in --procs children, or here) and
// reports: the run's exit status.
func executeRun(o *runOptions, stdout, stderr io.Writer) int {
	// From here on, what is printed may carry a bank's bytes: secrets masked, control bytes escaped.
	color := useColor(stdout, o.noColor)
	childOut := transcript.ConsoleWriter(stdout, color) // run --procs children's output, escaped by them
	stdout, stderr = transcript.ConsoleWriter(stdout, false), transcript.ConsoleWriter(stderr, false)
	defer stopOnSignal()()
	rs := &runState{o: o, expected: &expectedFailures{}, suite: &suites.T{}}
	if o.expectedPath != "" {
		if err := rs.expected.loadFile(o.expectedPath); err != nil {
			fmt.Fprintf(stderr, "run: --expected-failures: %v\n", err)
			return exitUsage
		}
	}
	rs.started, rs.opsBefore = time.Now(), opcount.Snapshot()
	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile)
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
	filter, err := profileLabels(o.profile, st.tgt, o.configPath != "" || o.container.image != "", o.labels)
	if err != nil {
		fmt.Fprintf(stderr, "run: %v\n", err)
		return exitUsage
	}
	if err = rs.runSpecs(filter, !color, childOut, stdout); err != nil && errors.Is(err, errBadShards) {
		fmt.Fprintf(stderr, "run: %v\n", err)
		return exitUsage
	}
	if code, ok := discoveryFailure(err, st.tgt, rs.started, o.jsonOut, o.junit, o.htmlOut, stdout, stderr); ok {
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
	case o.procs > 1 && rs.st.fixedReason != "":
		if !o.procsAuto {
			fmt.Fprintf(stdout, "dcrconform: --procs %d: running in one process: %s\n", o.procs, rs.st.fixedReason)
		}
		o.procs = 1
	case o.procs > 1 && o.procsAuto:
		fmt.Fprintf(stdout, "dcrconform: --procs auto: %d processes at once against %s (--procs 1 runs the specs in one)\n", o.procs, rs.st.tgt.Name)
	}
}

// errBadShards is a --procs split of the selected specs that could not be made.
var errBadShards = errors.New("--procs")

// runSpecs runs the selected specs: in --procs children when there are shards to deal, else here.
func (rs *runState) runSpecs(filter string, noColor bool, childOut, stdout io.Writer) error {
	o, tgt := rs.o, rs.st.tgt
	var shards [][]string
	if o.procs > 1 {
		var err error
		if shards, err = dealShards(filter, o.focus, o.procs); err != nil {
			return fmt.Errorf("%w", errors.Join(errBadShards, err))
		}
	}
	if len(shards) <= 1 {
		var err error
		rs.passed, err = suites.Run(rs.suite, tgt, suites.Options{Seed: o.seed, LabelFilter: filter, Focus: o.focus, JSONPath: o.ginkgoJSON, Verbose: o.verbose, NoColor: noColor, AfterSuite: rs.writeReports})
		return err
	}
	if err := tgt.Discover(context.Background()); err != nil {
		return err
	}
	a := shardArgs{seed: o.seed, configPath: o.configPath, sharedPath: rs.st.shared, profile: o.profile, labels: o.labels, focus: o.focus, timeout: o.timeout, noKeyCache: o.noKeyCache, noColor: noColor, verbose: o.verbose, stats: o.statsOut != ""}
	r, childOps, err := runShards(context.Background(), shards, a, filter, rs.started, childOut)
	if err == nil {
		r, err = rerunAlone(context.Background(), r, a, len(shards), tgt.Token, stdout)
	}
	if err != nil {
		return err
	}
	rs.childOps = childOps
	if o.ginkgoJSON != "" {
		rs.reportErr = reports.WriteGinkgoJSON(o.ginkgoJSON, r)
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
	rs.tally = tallyLine(r, reports.Target{Defects: o.defects, BankChoices: o.choiceArgs})
	rs.ran, rs.skipped = countRun(r)
	if o.resultsOut != "" {
		if rs.reportErr = writeResults(o.resultsOut, suites.ResultsOf(r)); rs.reportErr != nil {
			return
		}
	}
	if o.jsonOut == "" && o.junit == "" && o.htmlOut == "" && !rs.expected.active() {
		return // building and redacting a report nobody asked for is a fifth of a self-test run's CPU
	}
	run := reports.FromGinkgo(r, reportMeta(rs.st.tgt, o.defects, o.choiceArgs))
	rs.expected.apply(run)
	if o.signer != nil {
		if rs.reportErr = reports.Sign(run, o.signer, time.Now()); rs.reportErr != nil {
			return
		}
	}
	rs.reportErr = reports.WriteAllWith(run, o.jsonOut, o.junit, o.htmlOut, o.reportOpts)
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
	if o.opCountsOut != "" {
		if err := writeOpCounts(o.opCountsOut, ops); err != nil {
			fmt.Fprintf(stderr, "run: --op-counts: %v\n", err)
			return exitFailed
		}
	}
	if o.statsOut != "" {
		if err := writeStats(o.statsOut, o.profile, o.procs, time.Since(rs.started), ops.Add(rs.childOps), rs.ran, rs.skipped, rs.passed && !rs.suite.Failed); err != nil {
			fmt.Fprintf(stderr, "run: --stats: %v\n", err)
			return exitFailed
		}
	}
	printReportPaths(stdout, o.junit, o.jsonOut, o.htmlOut)
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

// writeResults writes a run's Results (see --results).
func writeResults(path string, res suites.Results) error {
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// printWarnings lists the registrations the run left on the target. Against the embedded bank,
// whose state is known, it also names any registration left that no warning reported: a cleanup bug.
func printWarnings(w io.Writer, warnings []reports.Warning, liveClients func() []string) {
	fmt.Fprintln(w) // after the progress line
	for _, wn := range warnings {
		fmt.Fprintf(w, "dcrconform: warning: %s\n", wn.Text())
	}
	if liveClients == nil {
		return
	}
	var unreported []string
	for _, id := range liveClients() {
		if !slices.ContainsFunc(warnings, func(wn reports.Warning) bool { return wn.ClientID == id }) {
			unreported = append(unreported, id)
		}
	}
	if len(unreported) > 0 {
		slices.Sort(unreported)
		fmt.Fprintf(w, "dcrconform: warning: the reference bank still holds %d registration(s) of the run that no warning reported: %s\n",
			len(unreported), strings.Join(unreported, ", "))
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

// tallyLine counts the run's selected specs by outcome, and those it did not select apart, and names
// what ran: the profiles and the reference bank's defects and choices (setup, see reports.Target.Setup).
func tallyLine(r ginkgo.Report, setup reports.Target) string {
	var passed, warned, failed, skipped, notSelected int
	for _, s := range r.SpecReports {
		switch {
		case s.LeafNodeType != types.NodeTypeIt:
		case reports.NotSelected(s, r):
			notSelected++
		case reports.Warned(s):
			warned++
		case s.State == types.SpecStatePassed:
			passed++
		case s.State == types.SpecStateSkipped || s.State == types.SpecStatePending:
			skipped++
		default:
			failed++
		}
	}
	warnings := ""
	if warned > 0 {
		warnings = fmt.Sprintf(" %d passed with a warning (a SHOULD or MAY clause not met),", warned)
	}
	setup.Profile = strings.Join(reports.ProfilesSelected(r), ",")
	about := ""
	if s := setup.Setup(); s != "" {
		about = "; " + s
	}
	return fmt.Sprintf("dcrconform: %d specs selected: %d passed,%s %d failed, %d skipped (%d not selected by this run)%s; seed %d (--seed %d replays the order)",
		passed+warned+failed+skipped, passed, warnings, failed, skipped, notSelected, about, r.SuiteConfig.RandomSeed, r.SuiteConfig.RandomSeed)
}

// failedSpecLines list the run's failed specs and suite nodes, one line each, as Ginkgo's summary (which
// the console leaves out, see suites.Run) did: "dcrconform: failed: [ID] title".
func failedSpecLines(r ginkgo.Report) []string {
	var out []string
	for _, s := range r.SpecReports {
		if !s.State.Is(types.SpecStateFailureStates) {
			continue
		}
		what := s.LeafNodeText
		if s.LeafNodeType != types.NodeTypeIt {
			what = strings.TrimSpace("[" + s.LeafNodeType.String() + "] " + s.LeafNodeText)
		}
		out = append(out, fmt.Sprintf("dcrconform: %s: %s", s.State, what))
	}
	return out
}

// countRun counts the specs that ran (passed or failed) and those skipped by a reason of their own;
// specs filtered out by labels or focus count as neither.
func countRun(r ginkgo.Report) (ran, skipped int) {
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		switch {
		case s.State == types.SpecStateSkipped && s.Failure.Message != "":
			skipped++
		case s.State == types.SpecStateSkipped || s.State == types.SpecStatePending:
		default:
			ran++
		}
	}
	return ran, skipped
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
func quietLogger(w io.Writer) *slog.Logger {
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
