package runner

import (
	"encoding/json"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/opcost"
	"github.com/dcrconform/dcrconform/harness/opcount"
)

// RunStats is what `run --stats` writes: one run's wall time beside its crypto floor.
type RunStats struct {
	Profile  string             `json:"profile"`
	Procs    int                `json:"procs,omitempty"`      // run --procs (counts include every child's)
	Target   string             `json:"target,omitempty"`     // bench: "embedded", or the --config file
	Cache    string             `json:"cache,omitempty"`      // bench: user, cold or warm (see bench --cache)
	WallMS   float64            `json:"wall_ms"`              // from the start of run to its reports written
	ProcMS   float64            `json:"process_ms,omitempty"` // from the process's start to its reports written (Linux)
	CPUMS    float64            `json:"cpu_ms,omitempty"`     // user+system CPU of the harness process (and of --procs children), to its reports written
	BankMS   float64            `json:"bank_ms"`              // the sum of this process's exchange durations: the bank's share of the run
	Ran      int                `json:"ran"`
	Skipped  int                `json:"skipped"`
	Passed   bool               `json:"passed"`
	Counts   opcount.Counts     `json:"counts"`
	CostsUS  map[string]float64 `json:"costs_us"` // per operation, measured in the run's process after the run
	FloorMS  float64            `json:"floor_ms"` // counts × costs
	Ratio    float64            `json:"wall_over_floor"`
	CPURatio float64            `json:"cpu_over_floor,omitempty"`
}

// writeStats measures the per-operation costs in this process and writes the run's stats to path.
func writeStats(path, profile string, procs int, wall time.Duration, counts opcount.Counts, ran, skipped int, passed bool) error {
	age, _ := processAge()
	cpu, _ := cpuTime() // before the costs are measured, which take CPU of their own
	bank := opcount.ExchangeTime()
	costs, err := opcost.Measure(8)
	if err != nil {
		return err
	}
	st := RunStats{Profile: profile, Procs: procs, WallMS: ms(wall), ProcMS: ms(age), CPUMS: ms(cpu), BankMS: ms(bank), Ran: ran, Skipped: skipped, Passed: passed,
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
		st.CPURatio = float64(cpu) / float64(floor)
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
