package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/harness/opcount"
)

// The bench prints a row per profile with the counts its run made and a floor from them.
func TestBenchPrintsCountsAndFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	out := filepath.Join(t.TempDir(), "bench.json")
	cmd := exec.Command(plainBinary(t), "bench", "--profiles", "rfc7591,is", "--json", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	for _, want := range []string{"wall/floor", "rsa-sign", "tls-full", "rfc7591", "is", "per-operation cost"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("bench output lacks %q:\n%s", want, stdout.String())
		}
	}
	all := readBenchJSON(t, out)
	if len(all) != 2 {
		t.Fatalf("%d runs, want 2", len(all))
	}
	for _, st := range all {
		if !st.Passed || st.Ran == 0 || st.WallMS <= 0 || st.FloorMS <= 0 || st.Ratio <= 0 {
			t.Errorf("%s: %+v", st.Profile, st)
		}
		if st.Counts[opcount.TLSHandshake] == 0 || st.CostsUS["tls-full"] <= 0 {
			t.Errorf("%s: no TLS handshake counted or costed: %+v", st.Profile, st)
		}
	}
	if all[1].Counts[opcount.RSASign] == 0 {
		t.Errorf("is: no RSA signature counted, yet its SSAs are PS256-signed: %+v", all[1].Counts)
	}
}

// bench --procs 1,2 runs each profile once per value; the parallel run's counts include its children's.
func TestBenchComparesProcs(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	out := filepath.Join(t.TempDir(), "bench.json")
	cmd := exec.Command(plainBinary(t), "bench", "--profiles", "rfc7591", "--procs", "1,2", "--json", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "speed-up") {
		t.Errorf("bench output lacks the speed-up column:\n%s", stdout.String())
	}
	all := readBenchJSON(t, out)
	if len(all) != 2 || all[0].Procs != 1 || all[1].Procs != 2 {
		t.Fatalf("want a --procs 1 and a --procs 2 run: %+v", all)
	}
	one, two := all[0], all[1]
	if !two.Passed || two.Ran != one.Ran {
		t.Errorf("--procs 2 ran %d specs (passed %v), --procs 1 ran %d", two.Ran, two.Passed, one.Ran)
	}
	// Every spec's handshakes happen in the children: the parent alone makes one or two. How many
	// connections each run reuses depends on timing, so the two counts are compared loosely.
	if h1, h2 := one.Counts[opcount.TLSHandshake], two.Counts[opcount.TLSHandshake]; h2 <= 2 || 2*h2 < h1 {
		t.Errorf("--procs 2 counted %d full TLS handshakes, --procs 1 %d: the children's are missing", two.Counts[opcount.TLSHandshake], one.Counts[opcount.TLSHandshake])
	}
}

// readBenchJSON reads what bench --json wrote.
func readBenchJSON(t *testing.T, path string) []runStats {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var all []runStats
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	return all
}
