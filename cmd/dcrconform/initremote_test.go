package main

import (
	"bufio"
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/config"
	"github.com/dcrconform/dcrconform/reports"
)

// startUntil starts bin with args in dir and returns the first stdout line holding ready; the process is
// interrupted when the test ends.
func startUntil(t *testing.T, ctx context.Context, dir string, env []string, ready string, bin string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), ready) {
				lines <- sc.Text()
			}
		}
		close(lines)
	}()
	select {
	case line, ok := <-lines:
		if !ok {
			t.Fatalf("%s %v stopped before %q: %s", filepath.Base(bin), args, ready, stderr.String())
		}
		return line
	case <-time.After(30 * time.Second):
		t.Fatalf("%s %v: no %q within 30s: %s", filepath.Base(bin), args, ready, stderr.String())
	}
	return ""
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestInitFromARunningDirectoryThenRun is a bank tested against one shared directory: `dcrconform
// directory --tls` runs on its own; init exports its trust material (pinned by the CA fingerprint the
// directory printed) into files free of absolute paths; the two commands init printed (the reference bank,
// then the run, with the admin token in the environment) pass; and the run leaves the directory's state
// as it found it.
func TestInitFromARunningDirectoryThenRun(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	clearBankEnv(t)
	bin := dcrconformBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	work, state := t.TempDir(), t.TempDir()
	env := append(os.Environ(), adminTokenEnv+"=shared-directory-token")
	line := startUntil(t, ctx, work, env, "directory: ", bin, "directory", "--addr", freeAddr(t), "--tls", "--state", state)
	f := strings.Fields(line)
	base, sha := strings.TrimSuffix(f[1], ","), strings.TrimSuffix(f[len(f)-1], ")")
	if !strings.HasPrefix(base, "https://127.0.0.1:") || len(sha) != 64 {
		t.Fatalf("directory printed %q", line)
	}
	stateBefore := countFiles(t, state)

	bankAddr := freeAddr(t)
	initCmd := exec.Command(bin, "init", "--profile", "uk", "--directory-url", base, "--directory-ca-sha256", sha, "--out", ".", "--bank-url", "https://"+bankAddr)
	initCmd.Dir = work
	out, err := initCmd.CombinedOutput()
	if err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	for _, want := range []string{"another terminal", initBankCAFile, base + "/ca.pem", base + "/keystore/openbanking.jwks", config.AdminTokenEnv} {
		if !strings.Contains(string(out), want) {
			t.Errorf("init's next steps do not say %q:\n%s", want, out)
		}
	}
	err = filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if bytes.Contains(b, []byte(work)) || bytes.Contains(b, []byte(state)) || bytes.Contains(b, []byte("=/")) {
			t.Errorf("%s holds an absolute path", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cmds := nextCommands(string(out))
	if len(cmds) != 2 || cmds[0][0] != "bank" || cmds[1][0] != "run" {
		t.Fatalf("init did not print the bank and run commands:\n%s", out)
	}
	t.Log(startUntil(t, ctx, work, os.Environ(), "listening on", bin, cmds[0]...))

	// The same material with the CA bundle as a file; none without trust in the directory's certificate.
	again := t.TempDir()
	withFile := exec.Command(bin, "init", "--profile", "uk", "--directory-url", base, "--directory-ca", filepath.Join(work, initTrustDir, trustCAFile), "--out", again)
	if b, err := withFile.CombinedOutput(); err != nil {
		t.Fatalf("init --directory-ca: %v\n%s", err, b)
	}
	for _, name := range []string{trustCAFile, trustUKJWKS, trustCDRJWKS} {
		a, _ := os.ReadFile(filepath.Join(work, initTrustDir, name))
		b, _ := os.ReadFile(filepath.Join(again, initTrustDir, name))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between --directory-ca-sha256 and --directory-ca", name)
		}
	}
	untrusted := exec.Command(bin, "init", "--profile", "uk", "--directory-url", base, "--out", t.TempDir())
	if b, err := untrusted.CombinedOutput(); err == nil || !strings.Contains(string(b), "certificate") {
		t.Errorf("init trusting only the system roots: %v %s", err, b)
	}
	// A wrong fingerprint is refused before anything is written.
	bad := exec.Command(bin, "init", "--profile", "uk", "--directory-url", base, "--directory-ca-sha256", strings.Repeat("ab", 32), "--out", t.TempDir())
	if b, err := bad.CombinedOutput(); err == nil || !strings.Contains(string(b), "not the directory you meant") {
		t.Errorf("init with a wrong CA fingerprint: %v %s", err, b)
	}

	runCmd := exec.CommandContext(ctx, bin, append(cmds[1], "-v=false", "--no-color")...)
	runCmd.Dir, runCmd.Env = work, env
	runOut, err := runCmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run against the shared directory: %v\n%s", err, lastBytes(runOut, 4000))
	}
	data, err := os.ReadFile(filepath.Join(work, "out", "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	run, err := reports.ReadJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if run.Summary.Failed != 0 || run.Summary.Passed < 40 {
		t.Errorf("run summary %+v: want a passing UK run", run.Summary)
	}
	if after := countFiles(t, state); after != stateBefore {
		t.Errorf("the directory's state went from %d to %d files over one run", stateBefore, after)
	}
	t.Logf("passing run %+v; directory state %d files before and after", run.Summary, stateBefore)
}
