package main

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
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

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/config"
	"github.com/dcrconform/dcrconform/harness/embedded"
	"github.com/dcrconform/dcrconform/harness/keycache"
	"github.com/dcrconform/dcrconform/harness/keypool"
	"github.com/dcrconform/dcrconform/harness/opcount"
	"github.com/dcrconform/dcrconform/harness/pki"
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
	fs := newCLI("run", "run [--config FILE] [--profile P] [--labels FILTER] [--focus ID] [--junit F] [--json F] [--html F] [--image IMG ...]",
		`Runs the conformance suites against a bank: the embedded reference bank by default, an external bank
described by --config (dcrconform init writes one), or a bank started from a Docker image (--image).
Exit status: 0 every selected spec passed (some perhaps with a warning: a SHOULD or MAY not met), 1 a spec
failed, 2 a usage or configuration error.`, stdout, stderr)
	configPath := fs.String("config", "", "YAML file describing an external bank (default: the embedded reference bank)")
	labels := fs.String("labels", "", `Ginkgo label filter, e.g. "uk && negative" or "register"`)
	profile := fs.String("profile", "", "run only this profile's specs: uk, cdr, generic, is or rfc7591 (default: the configuration's profile; every profile against the embedded default)")
	junit := fs.String("junit", "dcrconform-junit.xml", "JUnit XML report path (empty: none)")
	transcripts := fs.transcriptFlags()
	jsonOut := fs.String("json", "", "JSON report with every exchange, secrets masked (empty: none)")
	htmlOut := fs.String("html", "", "self-contained HTML report (empty: none)")
	signKey := fs.String("sign-key", "", "PEM private `key` (RSA, ECDSA or Ed25519) that signs the JSON record (needs --json); dcrconform report verify checks it")
	resultsOut := fs.String("results", "", `write {"ran": N, "failed": [spec IDs]} as JSON, for the self-test (empty: none)`)
	ginkgoJSON := fs.String("ginkgo-json", "", "Ginkgo's raw JSON report, for the self-test (empty: none)")
	verbose := fs.Bool("v", true, "print every spec as it runs")
	noColor := fs.Bool("no-color", false, "no colours in the output")
	timeout := fs.Duration("timeout", 10*time.Second, "per-request timeout against the target (config's target.timeout wins)")
	statsOut := fs.String("stats", "", "write the run's wall time, spec counts, expensive-operation counts and crypto floor as JSON (for dcrconform bench)")
	cpuProfile := fs.String("cpuprofile", "", "write a pprof CPU profile of the run")
	seed := fs.Int64("seed", 0, "Ginkgo random seed ordering the spec groups; every report records the run's (default: the time), and --seed replays it")
	noKeyCache := fs.Bool("no-key-cache", false, "neither read nor write the RSA keys kept across runs: the key cache under the user's cache folder (embedded default), the key pool in a config's directory state folder (keys are then all generated in this run)")
	procsFlag := fs.String("procs", "auto", fmt.Sprintf("run the selected specs in this many child processes at once against the same target; auto: %d against a configured target or a slow embedded bank (--bank-delay), 1 against the embedded default (CPU-bound: more processes only add start-up) and whenever a configured target's fixed software, mock directory block or --image must be used in turn", autoProcs))
	opCountsOut := fs.String("op-counts", "", "internal: write the run's expensive-operation counts as JSON to this `file` (a run --procs child's, for the parent's --stats)")
	shardOf := fs.String("shard-of", "", "internal: the `file` describing the embedded default a parent run --procs shares with this child")
	bankDelay := fs.Duration("bank-delay", 0, "embedded default only: the reference bank waits this long before every answer (a slow bank, e.g. to measure --procs)")
	expectedPath := fs.String("expected-failures", "", "YAML `file` of expected failures ({expected_failures: [{id, reason, expires, last_seen}]}): they fail as expected without failing the run; a new failure, a listed spec that passes, an expired entry or an unknown ID exits 1")
	keyPool := fs.String("key-pool", "", "embedded default only: PEM file of RSA keys to reuse instead of generating one per software (for self-tests)")
	var focus, defects, choices stringList
	fs.Var(&focus, "focus", "run only specs whose ID or title contains this (repeatable)")
	fs.Var(&defects, "defect", "embedded default only: switch on a reference bank defect (repeatable)")
	ukVersion := fs.String("uk-version", "", "embedded default only: the UK OBIE DCR version (3.1, 3.2, 3.3) the uk specs are run at (a config gives target.version)")
	fs.Var(&choices, "bank-choice", "embedded default only: a legal reference bank behaviour where the specs leave a choice, NAME=VALUE (repeatable): "+strings.Join(bank.ChoiceNames(), "; "))
	cf := addContainerFlags(fs.FlagSet)
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if code, ok := fs.noArgs(); !ok {
		return code
	}
	if *seed == 0 { // chosen here, so that every --procs child and every report has the same
		*seed = time.Now().UnixNano() % 1_000_000_000
	}
	reportOpts, err := transcripts.options()
	if err != nil {
		return fs.usageError("%v", err)
	}
	var signer crypto.Signer
	if *signKey != "" {
		if *jsonOut == "" {
			return fs.usageError("--sign-key signs the JSON record: give --json")
		}
		var err error
		if signer, err = loadSigningKey(*signKey); err != nil {
			return fs.badValue("--sign-key: %v", err)
		}
	}
	// From here on, what is printed may carry a bank's bytes: secrets masked, control bytes escaped.
	color := useColor(stdout, *noColor)
	childOut := transcript.ConsoleWriter(stdout, color) // run --procs children's output, escaped by them
	stdout, stderr = transcript.ConsoleWriter(stdout, false), transcript.ConsoleWriter(stderr, false)
	defer stopOnSignal()()
	procs, procsAuto, err := parseProcs(*procsFlag)
	if err != nil {
		return fs.usageError("--procs: %v", err)
	}
	if *timeout <= 0 {
		fmt.Fprintln(stderr, "run: --timeout must be positive")
		return exitUsage
	}
	// Flags that shape the embedded reference bank, which a configured or container target does not have.
	embeddedOnly := len(defects) > 0 || len(choices) > 0 || *keyPool != "" || *ukVersion != "" || *bankDelay != 0
	if *configPath != "" && (embeddedOnly || *shardOf != "") {
		fmt.Fprintln(stderr, "run: --defect, --bank-choice, --bank-delay, --key-pool, --shard-of and --uk-version apply to the embedded reference bank only, not with --config (give target.version)")
		return exitUsage
	}
	bankChoices, err := bank.ParseChoices(choices)
	if err != nil {
		fmt.Fprintf(stderr, "run: --bank-choice: %v\n", err)
		return exitUsage
	}

	expected := &expectedFailures{}
	if *expectedPath != "" {
		if err := expected.loadFile(*expectedPath); err != nil {
			fmt.Fprintf(stderr, "run: --expected-failures: %v\n", err)
			return exitUsage
		}
	}

	started, opsBefore := time.Now(), opcount.Snapshot()
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "run: --cpuprofile: %v\n", err)
			return exitUsage
		}
		defer stop()
	}

	var tgt *target.Target
	var shared string               // the embedded default's description for --procs children
	var fixedReason string          // why this target's specs must run in one process
	var liveClients func() []string // the embedded bank's registrations, to check the cleanup
	if cr, code, ok := startContainerTarget(cf, *configPath, embeddedOnly || *shardOf != "", *timeout, stdout, stderr); ok {
		if cr == nil {
			return code
		}
		defer cr.Close()
		tgt = cr.Target
		fixedReason = "a target started from --image"
		if procsAuto {
			procs = 1
		}
	} else if *configPath == "" && *shardOf != "" {
		if procsAuto {
			procs = 1
		}
		if embeddedOnly || procs != 1 {
			fmt.Fprintln(stderr, "run: --shard-of: the parent run's bank carries --defect, --bank-choice, --bank-delay and --uk-version; --key-pool and --procs are the parent's")
			return exitUsage
		}
		s, err := readShared(*shardOf)
		if err != nil {
			fmt.Fprintf(stderr, "run: --shard-of: %v\n", err)
			return exitUsage
		}
		defer useKeyCache(!*noKeyCache, stderr)()
		if tgt, err = embedded.Connect(context.Background(), s, *timeout); err != nil {
			fmt.Fprintf(stderr, "run: --shard-of: %v\n", err)
			return exitUsage
		}
	} else if *configPath == "" {
		opts := embedded.Options{Defects: defects, Choices: bankChoices, Timeout: *timeout, Logger: quietLogger(stderr), UKVersion: *ukVersion, Delay: *bankDelay}
		if procsAuto {
			procs = 1
			if *bankDelay > 0 {
				procs = autoProcs
			}
		}
		if procs > 1 {
			opts.AdminToken = randomToken()
		}
		if *keyPool == "" {
			defer useKeyCache(!*noKeyCache, stderr)()
		} else {
			pool, err := keypool.Load(*keyPool)
			if err != nil {
				fmt.Fprintf(stderr, "run: --key-pool: %v\n", err)
				return exitUsage
			}
			opts.KeySource = pool.Key
		}
		env, err := embedded.Start(opts)
		if err != nil {
			fmt.Fprintf(stderr, "run: %v\n", err)
			return exitUsage
		}
		defer env.Close()
		tgt = env.Target
		liveClients = env.Bank.Bank.LiveClients
		fmt.Fprintf(stdout, "dcrconform: embedded default: mock directory %s, reference bank %s\n", env.DirURL, env.Bank.URL)
		if procs > 1 {
			sh, err := env.Share(opts)
			if err == nil {
				var dir string
				if dir, err = os.MkdirTemp("", "dcrconform-procs-"); err == nil {
					defer os.RemoveAll(dir)
					shared, err = writeShared(dir, sh)
				}
			}
			if err != nil {
				fmt.Fprintf(stderr, "run: --procs: %v\n", err)
				return exitUsage
			}
		}
	} else {
		cfg, err := config.Load(*configPath)
		if err != nil {
			fmt.Fprintf(stderr, "run: %v\n", err)
			return exitUsage
		}
		if err := checkSkips(cfg); err != nil {
			fmt.Fprintf(stderr, "run: config %s: %v\n", *configPath, err)
			return exitUsage
		}
		expected.add(cfg.ExpectedFailures)
		var dir *mockdirectory.Directory
		var dirRun *target.DirectoryRun
		switch {
		case cfg.Directory.Remote():
			if dirRun, err = startDirectoryRun(cfg.Directory, stdout); err != nil {
				fmt.Fprintf(stderr, "run: directory: %v\n", err)
				return exitUsage
			}
			defer endDirectoryRun(dirRun, stderr)
		case cfg.Directory != nil:
			var stop func()
			dir, stop, err = serveConfiguredDirectory(cfg.Directory, stderr)
			if err != nil {
				fmt.Fprintf(stderr, "run: directory: %v\n", err)
				return exitUsage
			}
			defer stop()
		}
		if dirRun != nil {
			tgt, err = cfg.BuildTargetWith(dirRun.Directory)
		} else {
			tgt, err = cfg.BuildTarget(dir)
		}
		if err != nil {
			fmt.Fprintf(stderr, "run: config %s: %v\n", *configPath, err)
			return exitUsage
		}
		if dir != nil {
			var stop func()
			tgt.Directory, stop = configuredDirectoryKeys(dir, cfg.Directory.State, !*noKeyCache, stderr)
			defer stop()
		}
		if tgt.Timeout == 0 {
			tgt.Timeout = *timeout
		}
		switch {
		case tgt.Software != nil:
			fixedReason = "the configured software is fixed: it is registered and deleted in turn"
		case cfg.Directory.Remote():
			fixedReason = "the run's identities come from one lease on the running directory"
		case cfg.Directory != nil:
			fixedReason = "the configuration serves a mock directory of its own"
		}
		if procsAuto {
			procs = autoProcs
		}
	}
	switch {
	case procs > 1 && fixedReason != "":
		if !procsAuto {
			fmt.Fprintf(stdout, "dcrconform: --procs %d: running in one process: %s\n", procs, fixedReason)
		}
		procs = 1
	case procs > 1 && procsAuto:
		fmt.Fprintf(stdout, "dcrconform: --procs auto: %d processes at once against %s (--procs 1 runs the specs in one)\n", procs, tgt.Name)
	}

	t := &suites.T{}
	var reportErr error
	var ran, skipped int
	var warnings []reports.Warning
	var tally string
	var failedLines []string
	writeReports := func(r ginkgo.Report) {
		r = inCatalogueOrder(r)
		warnings = reports.Leaks(r)
		failedLines = failedSpecLines(r)
		tally = tallyLine(r, reports.Target{Defects: defects, BankChoices: choices})
		ran, skipped = countRun(r)
		if *resultsOut != "" {
			if reportErr = writeResults(*resultsOut, suites.ResultsOf(r)); reportErr != nil {
				return
			}
		}
		if *jsonOut == "" && *junit == "" && *htmlOut == "" && !expected.active() {
			return // building and redacting a report nobody asked for is a fifth of a self-test run's CPU
		}
		run := reports.FromGinkgo(r, reportMeta(tgt, defects, choices))
		expected.apply(run)
		if signer != nil {
			if reportErr = reports.Sign(run, signer, time.Now()); reportErr != nil {
				return
			}
		}
		reportErr = reports.WriteAllWith(run, *jsonOut, *junit, *htmlOut, reportOpts)
	}
	filter, err := profileLabels(*profile, tgt, *configPath != "" || cf.image != "", *labels)
	if err != nil {
		fmt.Fprintf(stderr, "run: %v\n", err)
		return exitUsage
	}
	var passed bool
	var shards [][]string
	var childOps opcount.Counts // the expensive operations of --procs children, for --stats
	if procs > 1 {
		if shards, err = dealShards(filter, focus, procs); err != nil {
			fmt.Fprintf(stderr, "run: %v\n", err)
			return exitUsage
		}
	}
	if len(shards) > 1 {
		if err = tgt.Discover(context.Background()); err == nil {
			a := shardArgs{seed: *seed, configPath: *configPath, sharedPath: shared, profile: *profile, labels: *labels, focus: focus, timeout: *timeout, noKeyCache: *noKeyCache, noColor: !color, verbose: *verbose, stats: *statsOut != ""}
			var r ginkgo.Report
			if r, childOps, err = runShards(context.Background(), shards, a, filter, started, childOut); err == nil {
				r, err = rerunAlone(context.Background(), r, a, len(shards), tgt.Token, stdout)
			}
			if err == nil {
				if *ginkgoJSON != "" {
					reportErr = reports.WriteGinkgoJSON(*ginkgoJSON, r)
				}
				if reportErr == nil {
					writeReports(r)
				}
				passed = r.SuiteSucceeded
			}
		}
	} else {
		passed, err = suites.Run(t, tgt, suites.Options{Seed: *seed, LabelFilter: filter, Focus: focus, JSONPath: *ginkgoJSON, Verbose: *verbose, NoColor: !color, AfterSuite: writeReports})
	}
	if code, ok := discoveryFailure(err, tgt, started, *jsonOut, *junit, *htmlOut, stdout, stderr); ok {
		return code
	}
	if err != nil {
		fmt.Fprintf(stderr, "run: %v\n", err)
		return exitUsage
	}
	printWarnings(stdout, warnings, liveClients)
	for _, line := range failedLines {
		fmt.Fprintln(stdout, line)
	}
	if tally != "" {
		fmt.Fprintln(stdout, tally)
	}
	if reportErr != nil {
		fmt.Fprintf(stderr, "run: writing reports: %v\n", reportErr)
		return exitFailed
	}
	if ran == 0 && passed {
		if skipped > 0 {
			fmt.Fprintf(stderr, "run: no spec ran: all %d selected specs were skipped (see their reasons above), so nothing passed\n", skipped)
		} else {
			fmt.Fprintln(stderr, "run: no spec ran: --labels, --focus or --profile selected none (dcrconform list shows the catalogue)")
		}
		return exitUsage
	}
	if *opCountsOut != "" {
		if err := writeOpCounts(*opCountsOut, opcount.Snapshot().Sub(opsBefore)); err != nil {
			fmt.Fprintf(stderr, "run: --op-counts: %v\n", err)
			return exitFailed
		}
	}
	if *statsOut != "" {
		if err := writeStats(*statsOut, *profile, procs, time.Since(started), opcount.Snapshot().Sub(opsBefore).Add(childOps), ran, skipped, passed && !t.Failed); err != nil {
			fmt.Fprintf(stderr, "run: --stats: %v\n", err)
			return exitFailed
		}
	}
	printReportPaths(stdout, *junit, *jsonOut, *htmlOut)
	if expected.active() {
		expected.print(stdout)
		return expected.exitCode()
	}
	if !passed || t.Failed {
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
