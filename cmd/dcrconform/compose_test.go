package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/container"
	"github.com/dcrconform/dcrconform/reports"
)

// composeCommand is how this machine runs compose files: the docker plugin, else docker-compose.
func composeCommand() ([]string, bool) {
	if exec.Command("docker", "compose", "version").Run() == nil {
		return []string{"docker", "compose"}, true
	}
	if p, err := exec.LookPath("docker-compose"); err == nil {
		return []string{p}, true
	}
	return nil, false
}

// TestComposeBankReachesDirectoryByHTTPSName runs fixtures/compose/compose.yaml with images built from
// this checkout: the reference bank in its own network reaches the shared directory only by its https
// URL, and the UK suite, run from the harness container, passes against it.
func TestComposeBankReachesDirectoryByHTTPSName(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (Docker, whole UK run); go test -short leaves it out")
	}
	compose, ok := composeCommand()
	if !ok {
		t.Skip("neither `docker compose` nor docker-compose is installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	if err := container.CheckDocker(ctx); err != nil {
		t.Skipf("docker: %v", err)
	}
	root, err := container.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	runID := container.NewRunID()
	tag := "compose-" + runID
	if err := container.BuildImages(ctx, root, tag); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, img := range container.Images {
			_ = exec.Command("docker", "rmi", "--force", img.Name+":"+tag).Run()
		}
	})
	out := t.TempDir()
	if err := os.Chmod(out, 0o777); err != nil { // the harness writes as user 65532
		t.Fatal(err)
	}
	token := make([]byte, 16)
	_, _ = rand.Read(token)
	project := "dcrconform-" + runID
	file := filepath.Join(root, "fixtures", "compose", "compose.yaml")
	env := append(os.Environ(), "IMAGE_TAG="+tag, "DCRCONFORM_RUN="+runID, "DCRCONFORM_OUT="+out,
		"DCRCONFORM_ADMIN_TOKEN="+hex.EncodeToString(token))
	composeRun := func(ctx context.Context, args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, compose[0], append(append(compose[1:], "-p", project, "-f", file), args...)...)
		cmd.Env = env
		return cmd.CombinedOutput()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if b, err := composeRun(ctx, "down", "--volumes", "--remove-orphans", "--timeout", "5"); err != nil {
			t.Errorf("compose down: %v\n%s", err, b)
		}
	})
	logs, err := composeRun(ctx, "up", "--abort-on-container-exit", "--exit-code-from", "harness")
	if err != nil {
		t.Fatalf("compose up: %v\n%s", err, lastBytes(logs, 6000))
	}

	// Who reaches whom: only the harness and the bank share a network; the bank and the harness each share
	// a different one with the directory.
	want := map[string][]string{
		"directory": {"admin-net", "directory-net"},
		"bank":      {"bank-net", "directory-net"},
		"harness":   {"admin-net", "bank-net"},
	}
	for svc, nets := range want {
		ids, err := composeRun(ctx, "ps", "-q", svc)
		if err != nil || len(bytes.TrimSpace(ids)) == 0 {
			t.Fatalf("compose ps %s: %v %s", svc, err, ids)
		}
		b, err := exec.CommandContext(ctx, "docker", "inspect", "-f", "{{json .NetworkSettings.Networks}}", strings.TrimSpace(string(ids))).Output()
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		var got []string
		for n := range m {
			got = append(got, strings.TrimPrefix(n, project+"_"))
		}
		slices.Sort(got)
		if !slices.Equal(got, nets) {
			t.Errorf("%s is on networks %v, want %v", svc, got, nets)
		}
	}
	data, err := os.ReadFile(filepath.Join(out, "run.json"))
	if err != nil {
		t.Fatalf("no report: %v\n%s", err, lastBytes(logs, 4000))
	}
	run, err := reports.ReadJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if run.Summary.Failed != 0 || run.Summary.Passed < 40 || run.Target.Profile != "uk" {
		t.Fatalf("run summary %+v, profile %s: want a passing UK run\n%s", run.Summary, run.Target.Profile, lastBytes(logs, 4000))
	}
	if !strings.Contains(string(logs), "mock directory https://directory:8443: run ") || strings.Contains(string(logs), "its identities expire with its lease") {
		t.Errorf("the run did not take and end a lease on the directory:\n%s", lastBytes(logs, 4000))
	}
	t.Logf("UK run through compose: %+v", run.Summary)
}
