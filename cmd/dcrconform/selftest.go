package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/keycache"
	"github.com/dcrconform/dcrconform/harness/keypool"
	"github.com/dcrconform/dcrconform/suites"
)

// runSelfTest runs the whole suite against the reference bank once per defect, each run a child
// process of this binary, and prints which specs caught which defect and the catch rate.
func runSelfTest(args []string, stdout, stderr io.Writer) int {
	fs := newCLI("selftest", "selftest [--parallel N] [--defects a,b] [--run-timeout D]",
		"Runs the suites against the reference bank once per defect, each run a child process, and prints which\nspecs caught which defect, the catch rate and the collateral failures (specs a defect failed without naming\na requirement it breaks). Exit status 1 when a defect goes uncaught or fails a spec collaterally.", stdout, stderr)
	parallel := fs.Int("parallel", 2, "defect runs at once")
	only := fs.String("defects", "", "comma-separated defects to run (default: all)")
	runTimeout := fs.Duration("run-timeout", 3*time.Minute, "limit for one defect's run")
	noKeyCache := fs.Bool("no-key-cache", false, "do not use the RSA key cache under the user's cache folder: every run reuses a pool of 16 keys made at start")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if code, ok := fs.noArgs(); !ok {
		return code
	}
	if *parallel < 1 {
		fmt.Fprintln(stderr, "selftest: --parallel must be at least 1")
		return exitUsage
	}
	catches, err := selectDefects(*only)
	if err != nil {
		fmt.Fprintf(stderr, "selftest: %v\n", err)
		return exitUsage
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "selftest: %v\n", err)
		return exitUsage
	}
	// Every run takes its RSA keys (software, directory and rogue keys alike) from the key cache, warmed
	// here once; --no-key-cache falls back to a pool of 16 keys made now and reused by every run.
	poolPath := ""
	cachePath, err := keycache.DefaultPath()
	if err == nil && !*noKeyCache {
		err = keycache.Warm(cachePath, selfTestKeys, keycache.DefaultSize)
	}
	if err != nil || *noKeyCache {
		if poolPath, err = savePool(); err != nil {
			fmt.Fprintf(stderr, "selftest: %v\n", err)
			return exitUsage
		}
		defer os.RemoveAll(filepath.Dir(poolPath))
	}
	run := suites.CommandRunner(self, poolPath, *runTimeout)
	start := time.Now()
	results := suites.SelfTest(context.Background(), catches, run, *parallel)
	caught, collateral := 0, 0
	fmt.Fprintf(stdout, "%-38s %-7s %s\n", "DEFECT", "CAUGHT", "SPECS THAT FAILED (expected marked *)")
	for _, r := range results {
		mark := "no"
		if r.Caught() {
			mark = "yes"
			caught++
		}
		detail := markExpected(r.Failed, r.Expected)
		if r.Err != nil {
			detail = "run broke: " + r.Err.Error()
		} else if len(r.Missing) > 0 {
			detail += "; expected but passed: " + strings.Join(r.Missing, ", ")
		}
		if len(r.Warned) > 0 {
			detail += "; warned (a SHOULD or MAY not met): " + markExpected(r.Warned, r.ExpectedWarnings)
		}
		if len(r.MissingWarnings) > 0 {
			detail += "; expected to warn but did not: " + strings.Join(r.MissingWarnings, ", ")
		}
		if len(r.Collateral) > 0 {
			detail += "; collateral (naming no requirement the defect breaks): " + strings.Join(r.Collateral, ", ")
			collateral += len(r.Collateral)
		}
		fmt.Fprintf(stdout, "%-38s %-7s %s\n", r.Defect, mark, detail)
	}
	fmt.Fprintf(stdout, "\ncatch rate: %d/%d defects (%.0f%%) in %s\n", caught, len(results), 100*float64(caught)/float64(max(len(results), 1)), time.Since(start).Round(time.Second))
	fmt.Fprintf(stdout, "collateral failures: %d (specs failed by a defect without naming a requirement it breaks)\n", collateral)
	if caught != len(results) || collateral > 0 {
		return exitFailed
	}
	return exitOK
}

// selfTestKeys is more than one defect's run takes from the key cache (a run of every profile: ~16).
const selfTestKeys = 32

// savePool writes a pool of 16 fresh RSA keys to a new temporary folder.
func savePool() (string, error) {
	pool, err := keypool.New(16)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "dcrconform-keys-")
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "pool.pem")
	if err := pool.Save(p); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return p, nil
}

func selectDefects(only string) (map[string][]string, error) {
	known := map[string]bool{}
	var names []string
	for _, d := range bank.Defects() {
		known[d.Name] = true
		if suites.LoadOnlyDefects[d.Name] == "" { // no run in one process can catch it
			names = append(names, d.Name)
		}
	}
	if only != "" {
		names = strings.Split(only, ",")
	}
	out := map[string][]string{}
	for _, name := range names {
		name = strings.TrimSpace(name)
		if !known[name] {
			return nil, fmt.Errorf("--defects: unknown defect %q (dcrconform bank --list-defects lists them)", name)
		}
		if test := suites.LoadOnlyDefects[name]; test != "" {
			return nil, fmt.Errorf("--defects: %s shows only under concurrent load, which the self-test's runs in one process never make (%s shows it)", name, test)
		}
		expected, ok := suites.DefectCatches[name]
		if !ok {
			return nil, fmt.Errorf("defect %s names no expected specs in suites.DefectCatches", name)
		}
		out[name] = expected
	}
	return out, nil
}

func markExpected(failed, expected []string) string {
	parts := make([]string, len(failed))
	for i, id := range failed {
		parts[i] = id
		for _, e := range expected {
			if e == id {
				parts[i] = id + "*"
			}
		}
	}
	if len(parts) == 0 {
		return "(none)"
	}
	return strings.Join(parts, ", ")
}
