package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dcrconform/dcrconform/harness/opcost"
	"github.com/dcrconform/dcrconform/harness/opcount"
)

// runStats is what `run --stats` writes: one run's wall time beside its crypto floor.
type runStats struct {
	Profile string             `json:"profile"`
	Procs   int                `json:"procs,omitempty"`      // run --procs (counts include every child's)
	WallMS  float64            `json:"wall_ms"`              // from the start of run to its reports written
	ProcMS  float64            `json:"process_ms,omitempty"` // from the process's start to its reports written (Linux)
	Ran     int                `json:"ran"`
	Skipped int                `json:"skipped"`
	Passed  bool               `json:"passed"`
	Counts  opcount.Counts     `json:"counts"`
	CostsUS map[string]float64 `json:"costs_us"` // per operation, measured in the run's process after the run
	FloorMS float64            `json:"floor_ms"` // counts × costs
	Ratio   float64            `json:"wall_over_floor"`
}

// writeStats measures the per-operation costs in this process and writes the run's stats to path.
func writeStats(path, profile string, procs int, wall time.Duration, counts opcount.Counts, ran, skipped int, passed bool) error {
	age, _ := processAge()
	costs, err := opcost.Measure(8)
	if err != nil {
		return err
	}
	st := runStats{Profile: profile, Procs: procs, WallMS: ms(wall), ProcMS: ms(age), Ran: ran, Skipped: skipped, Passed: passed,
		Counts: counts, CostsUS: map[string]float64{}}
	if st.Profile == "" {
		st.Profile = "all"
	}
	for op := range opcount.NumOps {
		st.CostsUS[op.String()] = float64(costs[op].Nanoseconds()) / 1000
	}
	floor := costs.Floor(counts)
	st.FloorMS = ms(floor)
	if floor > 0 {
		st.Ratio = float64(wall) / float64(floor)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// startCPUProfile profiles this process's CPU until the returned stop.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// runBench runs the embedded default once per profile (and all profiles together), each in a child
// process of this binary, and prints wall time, spec counts, expensive-operation counts and the crypto
// floor side by side. Arguments after "--" go to every child's `run`.
func runBench(args []string, stdout, stderr io.Writer) int {
	fs := newCLI("bench", "bench [--profiles uk,cdr,generic,is,rfc7591,all] [--repeat N] [--cpuprofile-dir DIR] [-- RUN FLAGS]",
		`Runs the embedded default once per profile (and "all": every profile in one run), each in a child
process, and prints side by side: wall time, specs that ran, the counts of RSA and EC key generations,
signatures, verifications and TLS handshakes, the crypto floor (those counts times each operation's
cost, measured in the same process) and wall / floor. Flags after "--" go to every child's run.`, stdout, stderr)
	profiles := fs.String("profiles", "uk,cdr,generic,is,rfc7591,all", `comma-separated profiles to run; "all" is every profile in one run`)
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
	var procsValues []int
	for _, v := range strings.Split(*procsList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return fs.usageError("--procs %q: want numbers of 1 or more, comma-separated", *procsList)
		}
		procsValues = append(procsValues, n)
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

	var all []runStats
	ok := true
	for _, p := range strings.Split(*profiles, ",") {
		p = strings.TrimSpace(p)
		for n, i := range benchRuns(procsValues, *repeat) {
			statsPath := filepath.Join(tmp, fmt.Sprintf("%s-%d-%d.json", p, n, i))
			childArgs := []string{"run", "--junit", "", "-v=false", "--no-color", "--stats", statsPath, "--procs", strconv.Itoa(n)}
			if p != "all" {
				childArgs = append(childArgs, "--profile", p)
			}
			if *profDir != "" {
				childArgs = append(childArgs, "--cpuprofile", filepath.Join(*profDir, fmt.Sprintf("%s-%d-%d.pprof", p, n, i)))
			}
			childArgs = append(childArgs, extra...)
			ctx, cancel := context.WithTimeout(context.Background(), *runTimeout)
			var out bytes.Buffer
			cmd := exec.CommandContext(ctx, self, childArgs...)
			cmd.Stdout, cmd.Stderr = &out, &out
			runErr := cmd.Run()
			cancel()
			st, err := readStats(statsPath)
			if err != nil {
				fmt.Fprintf(stderr, "bench: %s run %d: %v (run: %v)\n%s\n", p, i+1, err, runErr, tail(out.String(), 2000))
				ok = false
				continue
			}
			if !st.Passed {
				ok = false
			}
			all = append(all, st)
		}
	}
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
	head := "profile\tprocs\tresult\tspecs ran\tprocess s\twall s\tspeed-up\t"
	one := map[string]float64{} // a profile's first --procs 1 wall time
	for _, st := range all {
		if _, seen := one[st.Profile]; !seen && st.Procs <= 1 {
			one[st.Profile] = st.WallMS
		}
	}
	for op := range opcount.NumOps {
		head += op.String() + "\t"
	}
	fmt.Fprintln(tw, head+"floor s\twall/floor\t")
	for _, st := range all {
		result := "pass"
		if !st.Passed {
			result = "FAIL"
		}
		speedup := "-"
		if base, ok := one[st.Profile]; ok && st.WallMS > 0 {
			speedup = fmt.Sprintf("%.1fx", base/st.WallMS)
		}
		row := fmt.Sprintf("%s\t%d\t%s\t%d\t%.2f\t%.2f\t%s\t", st.Profile, max(st.Procs, 1), result, st.Ran, st.ProcMS/1000, st.WallMS/1000, speedup)
		for op := range opcount.NumOps {
			row += fmt.Sprintf("%d\t", st.Counts[op])
		}
		fmt.Fprintln(tw, row+fmt.Sprintf("%.2f\t%.1f\t", st.FloorMS/1000, st.Ratio))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nprocess: from the dcrconform process's start to its reports written (startup included); wall: the run command's own time;")
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

// processAge is how long this process has run, from /proc (Linux; 10 ms resolution); false elsewhere.
func processAge() (time.Duration, bool) {
	stat, err1 := os.ReadFile("/proc/self/stat")
	up, err2 := os.ReadFile("/proc/uptime")
	if err1 != nil || err2 != nil {
		return 0, false
	}
	// Fields after the command name (which may hold spaces, inside parentheses); starttime is field 22.
	_, rest, ok := strings.Cut(string(stat), ") ")
	fields := strings.Fields(rest)
	if !ok || len(fields) < 20 {
		return 0, false
	}
	startTicks, err := strconv.ParseFloat(fields[19], 64)
	if err != nil {
		return 0, false
	}
	upFields := strings.Fields(string(up))
	if len(upFields) == 0 {
		return 0, false
	}
	upSec, err := strconv.ParseFloat(upFields[0], 64)
	if err != nil {
		return 0, false
	}
	const ticksPerSecond = 100 // USER_HZ on Linux
	return time.Duration((upSec - startTicks/ticksPerSecond) * float64(time.Second)), true
}
