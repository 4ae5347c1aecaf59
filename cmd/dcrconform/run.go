package main

import (
	"fmt"
	"github.com/dcrconform/dcrconform/suites/runner"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/profiles"
)

type stringList = runner.StringList

// runCommand is `dcrconform run`: its flags, then the run itself (suites/runner).
func runCommand(args []string, stdout, stderr io.Writer) int {
	o, code, ok := parseRunFlags(args, stdout, stderr)
	if !ok {
		return code
	}
	return runner.Run(o, stdout, stderr)
}

// parseRunFlags reads run's flags; ok is false with the exit code when they are wrong.
func parseRunFlags(args []string, stdout, stderr io.Writer) (o *runner.Options, code int, ok bool) {
	o = &runner.Options{ToolVersion: toolVersion()}
	fs := newCLI("run", "run [--config FILE] [--profile P] [--labels FILTER] [--focus ID] [--junit F] [--json F] [--html F] [--image IMG ...]",
		`Runs the conformance suites against a bank: the embedded reference bank by default, an external bank
described by --config (dcrconform init writes one), or a bank started from a Docker image (--image).
Exit status: 0 every selected spec passed (some perhaps with a warning: a SHOULD or MAY not met), 1 a spec
failed, 2 a usage or configuration error.`, stdout, stderr)
	fs.StringVar(&o.ConfigPath, "config", "", "YAML file describing an external bank (default: the embedded reference bank)")
	fs.StringVar(&o.Labels, "labels", "", `Ginkgo label filter, e.g. "uk && negative" or "register"`)
	fs.StringVar(&o.Profile, "profile", "", "run only this profile's specs: "+strings.Join(profiles.Names(), ", ")+" (default: the configuration's profile; every profile against the embedded default)")
	fs.StringVar(&o.JUnit, "junit", "dcrconform-junit.xml", "JUnit XML report path (empty: none)")
	transcripts := fs.transcriptFlags()
	fs.StringVar(&o.JSON, "json", "", "JSON report with every exchange, secrets masked (empty: none)")
	fs.StringVar(&o.HTML, "html", "", "self-contained HTML report (empty: none)")
	signKey := fs.String("sign-key", "", "PEM private `key` (RSA, ECDSA or Ed25519) that signs the JSON record (needs --json); dcrconform report verify checks it")
	fs.StringVar(&o.Results, "results", "", `write {"ran": N, "failed": [spec IDs]} as JSON, for the self-test (empty: none)`)
	fs.StringVar(&o.GinkgoJSON, "ginkgo-json", "", "Ginkgo's raw JSON report, for the self-test (empty: none)")
	fs.BoolVar(&o.Verbose, "v", true, "print every spec as it runs")
	fs.BoolVar(&o.NoColor, "no-color", false, "no colours in the output")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Second, "per-request timeout against the target (config's target.timeout wins)")
	fs.StringVar(&o.Stats, "stats", "", "write the run's wall time, spec counts, expensive-operation counts and crypto floor as JSON (for dcrconform bench)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a pprof CPU profile of the run")
	fs.Int64Var(&o.Seed, "seed", 0, "Ginkgo random seed ordering the spec groups; every report records the run's (default: the time), and --seed replays it")
	fs.BoolVar(&o.NoKeyCache, "no-key-cache", false, "neither read nor write the RSA keys kept across runs: the key cache under the user's cache folder (embedded default), the key pool in a config's directory state folder (keys are then all generated in this run)")
	procsFlag := fs.String("procs", "auto", fmt.Sprintf("run the selected specs in this many child processes at once against the same target; auto: %d against a configured target or a slow embedded bank (--bank-delay), 1 against the embedded default (CPU-bound: more processes only add start-up) and whenever a configured target's fixed software, mock directory block or --image must be used in turn", runner.AutoProcs))
	fs.StringVar(&o.OpCounts, "op-counts", "", "internal: write the run's expensive-operation counts as JSON to this `file` (a run --procs child's, for the parent's --stats)")
	fs.StringVar(&o.ShardOf, "shard-of", "", "internal: the `file` describing the embedded default a parent run --procs shares with this child")
	fs.DurationVar(&o.BankDelay, "bank-delay", 0, "embedded default only: the reference bank waits this long before every answer (a slow bank, e.g. to measure --procs)")
	fs.StringVar(&o.ExpectedPath, "expected-failures", "", "YAML `file` of expected failures ({expected_failures: [{id, reason, expires, last_seen}]}): they fail as expected without failing the run; a new failure, a listed spec that passes, an expired entry or an unknown ID exits 1")
	fs.StringVar(&o.KeyPool, "key-pool", "", "embedded default only: PEM file of RSA keys to reuse instead of generating one per software (for self-tests)")
	fs.Var((*stringList)(&o.Focus), "focus", "run only specs whose ID or title contains this (repeatable)")
	fs.Var((*stringList)(&o.Defects), "defect", "embedded default only: switch on a reference bank defect (repeatable)")
	fs.StringVar(&o.UKVersion, "uk-version", "", "embedded default only: the UK OBIE DCR version (3.1, 3.2, 3.3 default, 3.4) the uk specs are run at (a config gives target.version)")
	fs.Var((*stringList)(&o.ChoiceArgs), "bank-choice", "embedded default only: a legal reference bank behaviour where the specs leave a choice, NAME=VALUE (repeatable): "+strings.Join(bank.ChoiceNames(), "; "))
	o.Container = runner.AddContainerFlags(fs.FlagSet)
	if code, ok := fs.parse(args); !ok {
		return nil, code, false
	}
	if code, ok := fs.noArgs(); !ok {
		return nil, code, false
	}
	var err error
	if o.ReportOptions, err = transcripts.options(); err != nil {
		return nil, fs.usageError("%v", err), false
	}
	if *signKey != "" {
		if o.JSON == "" {
			return nil, fs.usageError("--sign-key signs the JSON record: give --json"), false
		}
		if o.Signer, err = loadSigningKey(*signKey); err != nil {
			return nil, fs.badValue("--sign-key: %v", err), false
		}
	}
	if o.Procs, o.ProcsAuto, err = parseProcs(*procsFlag); err != nil {
		return nil, fs.usageError("--procs: %v", err), false
	}
	if code, ok := checkRunOptions(o, stderr); !ok {
		return nil, code, false
	}
	return o, 0, true
}

// check refuses flags that contradict each other, and reads the bank choices.
func checkRunOptions(o *runner.Options, stderr io.Writer) (code int, ok bool) {
	if o.Seed == 0 { // chosen here, so that every --procs child and every report has the same
		o.Seed = time.Now().UnixNano() % 1_000_000_000
	}
	if o.Timeout <= 0 {
		fmt.Fprintln(stderr, "run: --timeout must be positive")
		return exitUsage, false
	}
	if o.ConfigPath != "" && (o.EmbeddedOnly() || o.ShardOf != "") {
		fmt.Fprintln(stderr, "run: --defect, --bank-choice, --bank-delay, --key-pool, --shard-of and --uk-version apply to the embedded reference bank only, not with --config (give target.version)")
		return exitUsage, false
	}
	var err error
	if o.Choices, err = bank.ParseChoices(o.ChoiceArgs); err != nil {
		fmt.Fprintf(stderr, "run: --bank-choice: %v\n", err)
		return exitUsage, false
	}
	return 0, true
}

// parseProcs reads --procs: "auto" (auto true, n to be chosen for the target) or a number of 1 or more.
func parseProcs(v string) (n int, auto bool, err error) {
	if v == "auto" {
		return 0, true, nil
	}
	n, err = strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, false, fmt.Errorf("%q: want auto or a number of 1 or more", v)
	}
	return n, false, nil
}
