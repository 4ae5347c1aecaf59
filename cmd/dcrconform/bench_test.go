package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The bench prints a row per profile with the counts its run made and a floor from them.
func TestBenchPrintsCountsAndFloor(t *testing.T) {
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
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var all []runStats
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("%d runs, want 2", len(all))
	}
	for _, st := range all {
		if !st.Passed || st.Ran == 0 || st.WallMS <= 0 || st.FloorMS <= 0 || st.Ratio <= 0 {
			t.Errorf("%s: %+v", st.Profile, st)
		}
		if st.Counts["tls-full"] == 0 || st.CostsUS["tls-full"] <= 0 {
			t.Errorf("%s: no TLS handshake counted or costed: %+v", st.Profile, st)
		}
	}
	if all[1].Counts["rsa-sign"] == 0 {
		t.Errorf("is: no RSA signature counted, yet its SSAs are PS256-signed: %+v", all[1].Counts)
	}
}
