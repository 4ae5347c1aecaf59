package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The directory bench starts a directory process, loads it briefly without error and reports throughput
// and the directory process's peak memory.
func TestDirectoryBench(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	out, err := exec.Command(dcrconformBinary(t), "directory", "bench", "--duration", "1s", "--concurrency", "8").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"8 clients", " 0 errors", "SSA issuance", "key sets", "directory process peak RSS:"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
