package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/harness/container"
)

// The container tests run `dcrconform run --image ...` as child processes (RunSpecs runs once per
// process) against the reference bank's image. They need a Docker engine and fail, saying so, without one.

var (
	containerBinOnce sync.Once
	containerBin     string
	containerBinErr  error
)

// containerBinary builds the binary and, from it, the images; it fails the test without Docker.
func containerBinary(t *testing.T) string {
	t.Helper()
	if err := container.CheckDocker(context.Background()); err != nil {
		t.Fatalf("the container tests run the reference bank's image: %v", err)
	}
	containerBinOnce.Do(func() {
		root, err := container.ModuleRoot()
		if err != nil {
			containerBinErr = err
			return
		}
		// One fixed place, overwritten by each run, so that runs leave no binaries behind.
		dir := filepath.Join(os.TempDir(), "dcrconform-container-test")
		if containerBinErr = os.MkdirAll(dir, 0o755); containerBinErr != nil {
			return
		}
		bin := filepath.Join(dir, "dcrconform")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if containerBinErr = container.BuildBinary(ctx, root, bin); containerBinErr == nil {
			containerBinErr = container.BuildImagesFrom(ctx, root, bin, "latest")
		}
		containerBin = bin
	})
	if containerBinErr != nil {
		t.Fatalf("building the binary and images: %v", containerBinErr)
	}
	return containerBin
}

type childRun struct {
	code           int
	stdout, stderr string
	report         []types.SpecReport
}

// runChild runs the binary with args in dir, writing the Ginkgo JSON report there.
func runChild(t *testing.T, bin string, args ...string) childRun {
	t.Helper()
	dir := t.TempDir()
	report := filepath.Join(dir, "ginkgo.json")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"run", "--junit", "", "--no-color", "-v=false", "--ginkgo-json", report}, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := childRun{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	if err != nil && r.code <= 0 {
		t.Fatalf("%v: %v", args, err)
	}
	if b, err := os.ReadFile(report); err == nil {
		var reports []types.Report
		if err := json.Unmarshal(b, &reports); err != nil || len(reports) != 1 {
			t.Fatalf("%v: Ginkgo JSON report: %v", args, err)
		}
		r.report = reports[0].SpecReports
	}
	return r
}

var specID = regexp.MustCompile(`^\[([A-Z0-9-]+)\]`)

// specs lists the IDs of the specs of a run in a state.
func (r childRun) specs(state types.SpecState) []string {
	var ids []string
	for _, s := range r.report {
		if s.LeafNodeType == types.NodeTypeIt && s.State == state {
			id := s.LeafNodeText
			if m := specID.FindStringSubmatch(id); m != nil {
				id = m[1]
			}
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func requireNoLeftovers(t *testing.T, runID string) {
	t.Helper()
	left, err := container.List(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	if !left.Empty() {
		t.Errorf("run %s left %s", runID, left)
		_ = container.RemoveRun(context.Background(), runID)
	}
}

// TestContainerRunUKSuite runs the UK suite against the reference bank's image twice: as built (every spec
// passes) and with the skip-ssa-signature defect switched on through the container's environment, where
// exactly the specs that catch that defect in-process must fail. No container or network may remain.
func TestContainerRunUKSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs a Docker engine and images); go test -short leaves it out")
	}
	bin := containerBinary(t)
	const defect = "skip-ssa-signature"
	cleanID, defectID := "test-"+container.NewRunID(), "test-"+container.NewRunID()
	t.Cleanup(func() { requireNoLeftovers(t, cleanID); requireNoLeftovers(t, defectID) })

	var clean, broken, inProcess childRun
	var wg sync.WaitGroup
	wg.Go(func() { clean = runChild(t, bin, "--image", "dcrconform-bank:latest", "--run-id", cleanID) })
	wg.Go(func() {
		broken = runChild(t, bin, "--image", "dcrconform-bank:latest", "--run-id", defectID, "--image-env", defectsEnv+"="+defect)
	})
	// The embedded default serves every profile; a container target is tested on its configured one, uk.
	wg.Go(func() { inProcess = runChild(t, bin, "--defect", defect, "--profile", "uk") })
	wg.Wait()

	if clean.code != exitOK || len(clean.specs(types.SpecStateFailed)) > 0 || len(clean.specs(types.SpecStatePassed)) == 0 {
		t.Fatalf("clean image: exit %d, failed %v, passed %d\nstdout:\n%s\nstderr:\n%s", clean.code,
			clean.specs(types.SpecStateFailed), len(clean.specs(types.SpecStatePassed)), clean.stdout, clean.stderr)
	}
	t.Logf("clean image: %d passed, %d skipped or not selected", len(clean.specs(types.SpecStatePassed)), len(clean.specs(types.SpecStateSkipped)))
	if broken.code != exitFailed {
		t.Fatalf("image with %s: exit %d, want %d\nstderr:\n%s", defect, broken.code, exitFailed, broken.stderr)
	}
	if inProcess.code != exitFailed {
		t.Fatalf("in-process with %s: exit %d, want %d\nstderr:\n%s", defect, inProcess.code, exitFailed, inProcess.stderr)
	}
	// The in-process failures, less the specs a container target cannot run (they skip there).
	skipped := clean.specs(types.SpecStateSkipped)
	var want []string
	for _, id := range inProcess.specs(types.SpecStateFailed) {
		if slices.Contains(skipped, id) {
			t.Logf("%s fails in-process but is skipped against a container", id)
			continue
		}
		want = append(want, id)
	}
	got := broken.specs(types.SpecStateFailed)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("with %s the image fails %v; in-process the same defect fails %v", defect, got, want)
	}
	t.Logf("with %s both fail exactly %v", defect, got)
	for _, id := range []string{cleanID, defectID} {
		requireNoLeftovers(t, id)
	}
}

// TestContainerRunInterrupted interrupts a run while its specs run: the containers and the network are
// gone by the time the process exits.
func TestContainerRunInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs a Docker engine and images); go test -short leaves it out")
	}
	bin := containerBinary(t)
	runID := "test-" + container.NewRunID()
	t.Cleanup(func() { requireNoLeftovers(t, runID) })
	cmd := exec.Command(bin, "run", "--junit", "", "--no-color", "--image", "dcrconform-bank:latest", "--run-id", runID)
	cmd.Dir = t.TempDir()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		seen := false
		for sc.Scan() {
			// Ginkgo prints each spec as it starts; interrupt once a few have.
			if !seen && strings.Contains(sc.Text(), "UK-REG-N0") {
				seen = true
				close(started)
			}
		}
		done <- cmd.Wait()
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("the run ended before any spec started: %v\n%s", err, stderr.String())
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("no spec started within 2 minutes\n%s", stderr.String())
	}
	left, err := container.List(context.Background(), runID)
	if err != nil || len(left.Containers) != 2 {
		t.Errorf("while running: %s (%v); want the directory and the bank", left, err)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("the run did not end within a minute of SIGINT")
	}
	if code := cmd.ProcessState.ExitCode(); code != exitFailed {
		t.Errorf("exit %d after an interrupt, want %d", code, exitFailed)
	}
	if !strings.Contains(stderr.String(), "removing the containers and network of run "+runID) {
		t.Errorf("stderr does not report the cleanup:\n%s", stderr.String())
	}
	requireNoLeftovers(t, runID)
}

// TestContainerRunFromConfig runs one spec against the image described by a config file's container block.
func TestContainerRunFromConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs a Docker engine and images); go test -short leaves it out")
	}
	bin := containerBinary(t)
	runID := "test-" + container.NewRunID()
	t.Cleanup(func() { requireNoLeftovers(t, runID) })
	cfg := filepath.Join(t.TempDir(), "bank.yaml")
	if err := os.WriteFile(cfg, []byte("target:\n  name: reference bank image\ncontainer:\n  image: dcrconform-bank:latest\n  ready_timeout: 45s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runChild(t, bin, "--config", cfg, "--run-id", runID, "--focus", "UK-REG-N01")
	if r.code != exitOK || !slices.Equal(r.specs(types.SpecStatePassed), []string{"UK-REG-N01"}) {
		t.Fatalf("exit %d, passed %v\nstdout:\n%s\nstderr:\n%s", r.code, r.specs(types.SpecStatePassed), r.stdout, r.stderr)
	}
	requireNoLeftovers(t, runID)
}

func TestContainerFlagErrors(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "bank.yaml")
	if err := os.WriteFile(cfg, []byte("container:\n  image: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--image", "x", "--image-env", "NOVALUE"}, "--image-env"},
		{[]string{"--image", "x", "--image-port", "70000"}, "container.port"},
		{[]string{"--image", "x", "--image-ready", "health"}, "container.ready"},
		{[]string{"--image", "x", "--image-file", "nocolon"}, "--image-file"},
		{[]string{"--image", "x", "--image-ca", "relative.pem"}, "container.ca"},
		{[]string{"--image", "x", "--defect", "skip-ssa-signature"}, defectsEnv},
		{[]string{"--config", cfg, "--image", "y"}, "container block already"},
	} {
		var stdout, stderr bytes.Buffer
		if code := runCommand(append(c.args, "--junit", ""), &stdout, &stderr); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, code, exitUsage, stderr.String())
		}
		if !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: stderr %q does not name %s", c.args, stderr.String(), c.want)
		}
	}
}
