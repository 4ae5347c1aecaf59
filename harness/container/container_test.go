package container

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// These tests need a Docker engine and fail, saying so, without one. They build the images from this
// module first (quick when nothing changed: Go's and Docker's caches).

var (
	imagesOnce sync.Once
	imagesErr  error
)

const testTag = "latest"

// requireImages fails the test unless Docker answers and the images are built from this tree.
func requireImages(t *testing.T) {
	t.Helper()
	if err := CheckDocker(context.Background()); err != nil {
		t.Fatalf("these tests run containers: %v", err)
	}
	imagesOnce.Do(func() {
		root, err := ModuleRoot()
		if err != nil {
			imagesErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		imagesErr = BuildImages(ctx, root, testTag)
	})
	if imagesErr != nil {
		t.Fatalf("building the images: %v", imagesErr)
	}
}

// requireNothingLeft fails unless no container or network of the run exists.
func requireNothingLeft(t *testing.T, runID string) {
	t.Helper()
	left, err := List(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	if !left.Empty() {
		t.Errorf("run %s left %s", runID, left)
		_ = RemoveRun(context.Background(), runID)
	}
}

func quiet() tclog.Logger { return tclog.NewNoopLogger() }

func bankOptions(runID string) SessionOptions {
	return SessionOptions{RunID: runID, Image: "dcrconform-bank:" + testTag, DirectoryImage: "dcrconform-directory:" + testTag,
		Readiness: Readiness{Path: "/.well-known/openid-configuration", Timeout: 30 * time.Second}, Logger: quiet()}
}

func TestParseReadiness(t *testing.T) {
	for in, want := range map[string]Readiness{"/health": {Path: "/health"}, "log:listening on": {Log: "listening on"}} {
		got, err := ParseReadiness(in)
		if err != nil || got != want {
			t.Errorf("ParseReadiness(%q) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "health", "log:", "http://x/"} {
		if _, err := ParseReadiness(in); err == nil {
			t.Errorf("ParseReadiness(%q): no error", in)
		}
	}
}

func TestRyukIsDisabled(t *testing.T) {
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") != "true" {
		t.Error("TESTCONTAINERS_RYUK_DISABLED is not true")
	}
}

// TestSessionServesTheBank starts the directory and the reference bank, checks that the bank answers on
// its published port with a certificate the session trusts and an issuer naming that port, that the
// directory's admin API mints identities, and that Close leaves nothing behind.
func TestSessionServesTheBank(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs a Docker engine and images); go test -short leaves it out")
	}
	requireImages(t)
	ctx := context.Background()
	runID := "test-" + NewRunID()
	t.Cleanup(func() { requireNothingLeft(t, runID) })
	s, err := Start(ctx, bankOptions(runID))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(ctx); err != nil {
			t.Error(err)
		}
	}()
	left, err := List(ctx, runID)
	if err != nil || len(left.Containers) != 2 || len(left.Networks) != 1 {
		t.Fatalf("while running, run %s has %s (%v); want 2 containers and 1 network", runID, left, err)
	}
	if !strings.HasPrefix(s.Target.URL, "https://127.0.0.1:") || !strings.HasPrefix(s.Directory.URL, "http://127.0.0.1:") {
		t.Errorf("published on %s and %s, want loopback", s.Target.URL, s.Directory.URL)
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.RootCAs}}}
	resp, err := c.Get(s.Target.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("the bank's certificate is not trusted or it does not answer: %v", err)
	}
	var doc map[string]any
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if err != nil || doc["issuer"] != s.Target.URL {
		t.Errorf("discovery: issuer %v, want %s (%v)", doc["issuer"], s.Target.URL, err)
	}
	sw, err := s.Directory.Adapter().NewSoftware(ctx, target.SoftwareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ssa, err := s.Directory.Adapter().IssueSSA(ctx, sw, mockdirectory.SSAOptions{})
	if err != nil || strings.Count(ssa, ".") != 2 {
		t.Fatalf("SSA %q: %v", ssa, err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	requireNothingLeft(t, runID)
}

// TestFailedStartsLeaveNothing: a target that never becomes ready, one that exits at once, a start that is
// cancelled half way and a missing image each fail with a useful error and leave no container or network.
func TestFailedStartsLeaveNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs a Docker engine and images); go test -short leaves it out")
	}
	requireImages(t)
	cases := []struct {
		name    string
		modify  func(*SessionOptions)
		ctx     func() (context.Context, context.CancelFunc)
		wantErr []string
	}{
		{"never ready", func(o *SessionOptions) { o.Readiness = Readiness{Path: "/never-ready", Timeout: 3 * time.Second} },
			nil, []string{"dcrconform-bank", "deadline exceeded", "end of the container's output"}},
		{"exits at once", func(o *SessionOptions) { o.Cmd = []string{"--no-such-flag"} },
			nil, []string{"dcrconform-bank", "no-such-flag"}},
		{"cancelled", func(o *SessionOptions) { o.Readiness = Readiness{Path: "/never-ready", Timeout: time.Minute} },
			func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 4*time.Second)
			},
			[]string{"context"}},
		{"missing image", func(o *SessionOptions) { o.Image = "dcrconform-no-such-image:never" },
			nil, []string{"dcrconform-no-such-image:never", "never pulls"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runID := "test-" + NewRunID()
			opts := bankOptions(runID)
			c.modify(&opts)
			ctx, cancel := context.Background(), func() {}
			if c.ctx != nil {
				ctx, cancel = c.ctx()
			}
			defer cancel()
			start := time.Now()
			s, err := Start(ctx, opts)
			if err == nil {
				_ = s.Close(context.Background())
				t.Fatal("Start succeeded")
			}
			for _, w := range c.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q: %v", w, err)
				}
			}
			t.Logf("failed after %s: %.300s", time.Since(start).Round(time.Millisecond), err)
			requireNothingLeft(t, runID)
		})
	}
}

// TestRemoveRunSweeps proves the sweep on its own: a network and a container made outside a Session are
// removed by their run label.
func TestRemoveRunSweeps(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs a Docker engine and images); go test -short leaves it out")
	}
	requireImages(t)
	ctx := context.Background()
	nw, err := NewNetwork(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { requireNothingLeft(t, nw.RunID) })
	d, err := StartDirectory(ctx, nw, "dcrconform-directory:"+testTag, WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	_ = d // not terminated: the sweep must find it
	if err := RemoveRun(ctx, nw.RunID); err != nil {
		t.Fatal(err)
	}
	requireNothingLeft(t, nw.RunID)
	// Terminating what the sweep removed already is not an error.
	if err := errors.Join(d.Terminate(ctx), nw.Remove(ctx)); err != nil {
		t.Errorf("terminate after sweep: %v", err)
	}
	if err := RemoveRun(ctx, ""); err == nil {
		t.Error("RemoveRun with no run id must refuse (it would sweep every run)")
	}
}

// TestNoDockerSaysSo: without a reachable engine every entry point fails with an error saying so.
func TestNoDockerSaysSo(t *testing.T) {
	saved := newDockerClient
	t.Cleanup(func() { newDockerClient = saved })
	newDockerClient = func(context.Context) (*testcontainers.DockerClient, error) {
		return nil, errors.New("connect to selected provider: dial unix /var/run/docker.sock: connect: no such file or directory")
	}
	ctx := context.Background()
	_, startErr := Start(ctx, bankOptions("test-no-docker"))
	_, listErr := List(ctx, "test-no-docker")
	for name, err := range map[string]error{"CheckDocker": CheckDocker(ctx), "Start": startErr, "List": listErr,
		"RemoveRun": RemoveRun(ctx, "test-no-docker"), "BuildImagesFrom": BuildImagesFrom(ctx, ".", "x", "x")} {
		if err == nil || !strings.Contains(err.Error(), "no Docker engine is reachable") || !strings.Contains(err.Error(), "no such file") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestSessionImageWithItsOwnCertificate: an image serving a certificate of its own (the reference bank
// self-issuing one and writing its CA) is trusted through the CA copied out of the container.
func TestSessionImageWithItsOwnCertificate(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs a Docker engine and images); go test -short leaves it out")
	}
	requireImages(t)
	ctx := context.Background()
	runID := "test-" + NewRunID()
	t.Cleanup(func() { requireNothingLeft(t, runID) })
	opts := bankOptions(runID)
	opts.ServerCA = "/out/ca.pem"
	// A world-writable placeholder, since the image runs as a user who cannot create files in /out.
	opts.Files = []File{{Path: "/out/ca.pem", Mode: 0o666}}
	opts.Cmd = []string{"--addr", "0.0.0.0:8443", "--ca-out", "/out/ca.pem"}
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if !strings.Contains(string(s.ServerCA), "BEGIN CERTIFICATE") {
		t.Fatalf("server CA %q", s.ServerCA)
	}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.RootCAs}}}
	resp, err := c.Get(s.Target.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("the image's own certificate is not trusted through its copied CA: %v", err)
	}
	resp.Body.Close()
}
