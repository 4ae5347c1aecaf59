package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestDirectoryUsageErrors(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(seed, []byte("organisations: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	notDir := seed
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "nonsense"}, "--addr"},
		{[]string{"--addr", "127.0.0.1:99999"}, "--addr"},
		{[]string{"--base-url", "ftp://x"}, "--base-url"},
		{[]string{"--tls", "--base-url", "http://127.0.0.1:1"}, "--base-url"},
		{[]string{"--seed", filepath.Join(t.TempDir(), "missing.yaml")}, "--seed"},
		{[]string{"--state", notDir}, "--state"},
		{[]string{"--log-level", "loud"}, "--log-level"},
		{[]string{"--no-such-flag"}, "no-such-flag"},
		{[]string{"extra"}, "extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := runDirectory(c.args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", c.args, code, stderr.String())
		}
		if !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: stderr %q does not name %s", c.args, stderr.String(), c.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := runDirectory([]string{"-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "-state") {
		t.Errorf("-h: exit %d: %s", code, stdout.String())
	}
}

// TestDirectoryServesAndStops runs the command, reads its URL from stdout, and stops it with SIGINT.
func TestDirectoryServesAndStops(t *testing.T) {
	state := t.TempDir()
	t.Setenv(adminTokenEnv, "env-token-value")
	pr, pw := io.Pipe()
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runDirectory([]string{"--addr", "127.0.0.1:0", "--state", state}, pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no URL on stdout: %v (%s)", err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := strings.TrimSuffix(strings.Fields(line)[1], ",")
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("stdout %q", line)
	}
	for path, token := range map[string]string{"/keystore/openbanking.jwks": "", "/admin/organisations": "env-token-value"} {
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
	}
	// A second directory on the same state refuses to start, naming the first.
	var out2, err2 syncBuffer
	if code := runDirectory([]string{"--addr", "127.0.0.1:0", "--state", state}, &out2, &err2); code != 1 ||
		!strings.Contains(err2.String(), "is in use by another directory") || !strings.Contains(err2.String(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("second directory on the same state: exit %d, stderr %q", code, err2.String())
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after SIGINT: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown after SIGINT")
	}
	if strings.Contains(stderr.String(), "env-token-value") {
		t.Error("the admin token was logged")
	}
	if _, err := os.Stat(filepath.Join(state, "ca", "root.pem")); err != nil {
		t.Errorf("state not written: %v", err)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
