package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/opcount"
)

// BenchmarkConfiguredUKRunCold is a new user's run on a fresh CI runner: `init --profile uk
// --mock-directory`, the reference bank started as a separate process exactly as init prints, then the
// run init prints, each with no keys kept from earlier runs (--no-key-cache, an empty cache folder). It
// reports the harness's CPU, the bank's time, the key generations and CPU / crypto floor per run:
//
//	go test -run '^$' -bench ConfiguredUKRunCold -benchtime 3x ./cmd/dcrconform/
func BenchmarkConfiguredUKRunCold(b *testing.B) {
	if testing.Short() {
		b.Skip("integration tier (whole runs of the built binary)")
	}
	clearBankEnv(b)
	bin := dcrconformBinary(b)
	work := b.TempDir()
	bankAddr, dirAddr := freeAddr(b), freeAddr(b)
	initCmd := exec.Command(bin, "init", "--profile", "uk", "--mock-directory", "--out", ".", "--bank-url", "https://"+bankAddr, "--directory-addr", dirAddr)
	initCmd.Dir = work
	out, err := initCmd.Output()
	if err != nil {
		b.Fatalf("init: %v\n%s", err, out)
	}
	cmds := nextCommands(string(out))
	if len(cmds) != 2 || cmds[0][0] != "bank" || cmds[1][0] != "run" {
		b.Fatalf("init did not print the bank and run commands:\n%s", out)
	}
	stopBank := startPrintedBank(b, bin, work, cmds[0])
	defer stopBank()

	var cpu, bank, floor time.Duration
	var counts opcount.Counts
	b.ResetTimer()
	for i := range b.N {
		stats := filepath.Join(work, "stats.json")
		run := exec.Command(bin, append(cmds[1], "-v=false", "--no-color", "--no-key-cache", "--stats", stats)...)
		run.Dir = work
		run.Env = append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(work, "cache", strings.Repeat("x", i+1)))
		if out, err := run.CombinedOutput(); err != nil {
			b.Fatalf("run: %v\n%s", err, lastBytes(out, 4000))
		}
		b.StopTimer()
		st, err := readStats(stats)
		if err != nil || !st.Passed {
			b.Fatalf("stats: %v, passed %v", err, st.Passed)
		}
		cpu += time.Duration(st.CPUMS * float64(time.Millisecond))
		bank += time.Duration(st.BankMS * float64(time.Millisecond))
		floor += time.Duration(st.FloorMS * float64(time.Millisecond))
		counts = counts.Add(st.Counts)
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(cpu.Seconds()/n, "cpu-s/op")
	b.ReportMetric(bank.Seconds()/n, "bank-s/op")
	b.ReportMetric(float64(counts[opcount.RSAKeyGen])/n, "rsa-keygens/op")
	b.ReportMetric(float64(counts[opcount.ECKeyGen])/n, "ec-keygens/op")
	if floor > 0 {
		b.ReportMetric(float64(cpu)/float64(floor), "cpu/floor")
	}
}

// startPrintedBank starts the bank command init printed, in work, and waits until it listens.
func startPrintedBank(tb testing.TB, bin, work string, args []string) (stop func()) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = work
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		tb.Fatal(err)
	}
	stop = func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		cancel()
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on") {
				close(ready)
				break
			}
		}
		for sc.Scan() {
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		stop()
		tb.Fatalf("the bank did not start within 30s: %s", stderr.String())
	}
	return stop
}
