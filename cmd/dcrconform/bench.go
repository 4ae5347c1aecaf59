package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/dcrconform/dcrconform/suites/runner"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dcrconform/dcrconform/harness/opcount"
)

// runStats is what `run --stats` writes (runner.RunStats).
type runStats = runner.RunStats

// runBench runs the embedded default once per profile (and all profiles together), or a configured
// bank, each run in a child process of this binary, and prints wall time, harness CPU, bank time, spec
// counts, expensive-operation counts and the crypto floor side by side. Arguments after "--" go to every
// child's `run`.
func runBench(args []string, stdout, stderr io.Writer) int {
	fs := newCLI("bench", "bench [--profiles uk,cdr,generic,is,rfc7591,all | --config FILE] [--cache user|cold|warm] [--repeat N] [--cpuprofile-dir DIR] [-- RUN FLAGS]",
		`Runs the embedded default once per profile (and "all": every profile in one run), or with --config the
configured bank (start it first, as dcrconform init prints), each in a child process, and prints side by
side: wall time, the harness's CPU time, the bank's time (the sum of the exchanges' durations), specs that
ran, the counts of RSA and EC key generations, signatures, verifications and TLS handshakes, the crypto
floor (those counts times each operation's cost, measured in the same process) and wall / floor and
CPU / floor. --cache cold measures a fresh machine (a CI runner): no key cache, and a config's directory
without its kept key pool. Flags after "--" go to every child's run.`, stdout, stderr)
	profiles := fs.String("profiles", "uk,cdr,generic,is,rfc7591,all", `comma-separated profiles to run; "all" is every profile in one run`)
	configPath := fs.String("config", "", "run this configured bank (its profile) instead of the embedded default")
	cache := fs.String("cache", "", `keys kept across runs: "user" (the user's key cache, as a plain run; the default without --config), "cold" (none: a fresh machine; the default with --config) or "warm" (the bench's own cache, filled by a run first)`)
	repeat := fs.Int("repeat", 1, "runs per profile (the machine's noise shows as spread)")
	profDir := fs.String("cpuprofile-dir", "", "write each run's pprof CPU profile into this folder")
	jsonOut := fs.String("json", "", "write every run's stats as a JSON array")
	runTimeout := fs.Duration("run-timeout", 5*time.Minute, "limit for one run")
	procsList := fs.String("procs", "1", `comma-separated run --procs values: each profile runs once per value, with its speed-up over --procs 1 (e.g. "1,8" with "-- --bank-delay 50ms")`)
	var extra []string
	for i, a := range args {
		if a == "--" {
			args, extra = args[:i], args[i+1:]
			break
		}
	}
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return fs.usageError("unexpected argument %q (arguments for run go after --)", fs.Arg(0))
	}
	if *repeat < 1 {
		return fs.usageError("--repeat below 1")
	}
	if *cache == "" {
		*cache = "user"
		if *configPath != "" {
			*cache = "cold"
		}
	}
	if *cache != "user" && *cache != "cold" && *cache != "warm" {
		return fs.usageError("--cache %q: want user, cold or warm", *cache)
	}
	procsValues, ok := numberList(*procsList)
	if !ok {
		return fs.usageError("--procs %q: want numbers of 1 or more, comma-separated", *procsList)
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return exitUsage
	}
	tmp, err := os.MkdirTemp("", "dcrconform-bench-")
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return exitUsage
	}
	defer os.RemoveAll(tmp)
	if *profDir != "" {
		if err := os.MkdirAll(*profDir, 0o755); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return exitUsage
		}
	}
	targetName, profileList := "embedded", strings.Split(*profiles, ",")
	if *configPath != "" {
		targetName, profileList = *configPath, []string{""}
	}

	all, ok := benchAll(benchPlan{self: self, tmp: tmp, config: *configPath, cache: *cache, extra: extra, timeout: *runTimeout,
		profDir: *profDir, target: targetName, profiles: profileList, procs: procsValues, repeat: *repeat}, stderr)
	printBench(stdout, all)
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(all, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return exitFailed
		}
	}
	if !ok {
		return exitFailed
	}
	return exitOK
}

// benchRun is one profile's (or a config's) runs of a bench.
type benchRun struct {
	self, tmp, config, profile, cache string
	extra                             []string
	timeout                           time.Duration
}

func (b benchRun) name() string {
	if b.config != "" {
		return "config"
	}
	return b.profile
}

// run runs the child once with procs processes and returns its stats.
func (b benchRun) run(procs int, tag, cpuProfile string) (runStats, error) {
	statsPath := filepath.Join(b.tmp, fmt.Sprintf("%s-%d-%s.json", b.name(), procs, tag))
	args := []string{"run", "--junit", "", "-v=false", "--no-color", "--stats", statsPath, "--procs", strconv.Itoa(procs)}
	if b.config != "" {
		args = append(args, "--config", b.config)
	} else if b.profile != "all" {
		args = append(args, "--profile", b.profile)
	}
	env := os.Environ()
	switch b.cache {
	case "cold":
		// A fresh cache folder per run, and a config's directory without the key pool in its state.
		dir, err := os.MkdirTemp(b.tmp, "cache-")
		if err != nil {
			return runStats{}, err
		}
		env = append(env, "XDG_CACHE_HOME="+dir)
		if b.config != "" {
			args = append(args, "--no-key-cache")
		}
	case "warm":
		env = append(env, "XDG_CACHE_HOME="+filepath.Join(b.tmp, "warm-cache"))
	}
	if cpuProfile != "" {
		args = append(args, "--cpuprofile", cpuProfile)
	}
	args = append(args, b.extra...)
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, b.self, args...)
	cmd.Stdout, cmd.Stderr, cmd.Env = &out, &out, env
	runErr := cmd.Run()
	st, err := readStats(statsPath)
	if err != nil {
		return st, fmt.Errorf("%v (run: %v)\n%s", err, runErr, tail(out.String(), 2000))
	}
	return st, nil
}

// benchRuns yields each --procs value with each repetition's index.
func benchRuns(procs []int, repeat int) func(yield func(int, int) bool) {
	return func(yield func(int, int) bool) {
		for _, n := range procs {
			for i := range repeat {
				if !yield(n, i) {
					return
				}
			}
		}
	}
}

func readStats(path string) (runStats, error) {
	var st runStats
	b, err := os.ReadFile(path)
	if err != nil {
		return st, fmt.Errorf("no stats written: %w", err)
	}
	return st, json.Unmarshal(b, &st)
}

func printBench(w io.Writer, all []runStats) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "profile\tprocs\tcache\tresult\tspecs ran\tprocess s\twall s\tcpu s\tbank s\tspeed-up\t"
	one := map[string]float64{} // a profile's first --procs 1 wall time
	for _, st := range all {
		if _, seen := one[st.Profile]; !seen && st.Procs <= 1 {
			one[st.Profile] = st.WallMS
		}
	}
	for op := range opcount.NumOps {
		head += op.String() + "\t"
	}
	fmt.Fprintln(tw, head+"floor s\twall/floor\tcpu/floor\t")
	for _, st := range all {
		result := "pass"
		if !st.Passed {
			result = "FAIL"
		}
		speedup := "-"
		if base, ok := one[st.Profile]; ok && st.WallMS > 0 {
			speedup = fmt.Sprintf("%.1fx", base/st.WallMS)
		}
		cache := st.Cache
		if cache == "" {
			cache = "-"
		}
		row := fmt.Sprintf("%s\t%d\t%s\t%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t", st.Profile, max(st.Procs, 1), cache, result, st.Ran, st.ProcMS/1000, st.WallMS/1000, st.CPUMS/1000, st.BankMS/1000, speedup)
		for op := range opcount.NumOps {
			row += fmt.Sprintf("%d\t", st.Counts[op])
		}
		fmt.Fprintln(tw, row+fmt.Sprintf("%.2f\t%.1f\t%.1f\t", st.FloorMS/1000, st.Ratio, st.CPURatio))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nprocess: from the dcrconform process's start to its reports written (startup included); wall: the run command's own time;")
	fmt.Fprintln(w, "cpu: the harness process's user+system CPU to its reports written (with the embedded default, the in-process bank's too);")
	fmt.Fprintln(w, "bank: the sum of the exchanges' durations (this process's); cache: keys kept across runs (user, cold: a fresh machine, warm);")
	fmt.Fprintln(w, "speed-up: the profile's first --procs 1 wall time over this one's; with --procs above 1 the counts include every child process's.")
	if len(all) > 0 {
		last := all[len(all)-1]
		var parts []string
		for op := range opcount.NumOps {
			parts = append(parts, fmt.Sprintf("%s %s", op, time.Duration(last.CostsUS[op.String()]*1000).Round(time.Microsecond)))
		}
		fmt.Fprintf(w, "\nper-operation cost (measured in the last run's process): %s\n", strings.Join(parts, ", "))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// benchPlan is what bench runs: each profile (or the configured bank), at each --procs value, repeat times.
type benchPlan struct {
	self, tmp, config, cache, profDir, target string
	extra                                     []string
	timeout                                   time.Duration
	profiles                                  []string
	procs                                     []int
	repeat                                    int
}

// benchAll runs the plan and returns every run's stats; ok is false when a run failed or did not pass.
func benchAll(p benchPlan, stderr io.Writer) (all []runStats, ok bool) {
	ok = true
	for _, name := range p.profiles {
		name = strings.TrimSpace(name)
		b := benchRun{self: p.self, tmp: p.tmp, config: p.config, profile: name, cache: p.cache, extra: p.extra, timeout: p.timeout}
		if p.cache == "warm" {
			if _, err := b.run(1, "warm-up", ""); err != nil {
				fmt.Fprintf(stderr, "bench: %s warm-up: %v\n", b.name(), err)
				ok = false
				continue
			}
		}
		for n, i := range benchRuns(p.procs, p.repeat) {
			prof := ""
			if p.profDir != "" {
				prof = filepath.Join(p.profDir, fmt.Sprintf("%s-%d-%d.pprof", b.name(), n, i))
			}
			st, err := b.run(n, strconv.Itoa(i), prof)
			if err != nil {
				fmt.Fprintf(stderr, "bench: %s run %d: %v\n", b.name(), i+1, err)
				ok = false
				continue
			}
			if !st.Passed {
				ok = false
			}
			st.Target, st.Cache = p.target, p.cache
			if name == "" {
				st.Profile = "config"
			}
			all = append(all, st)
		}
	}
	return all, ok
}

// numberList reads comma-separated numbers of 1 or more.
func numberList(v string) ([]int, bool) {
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}
