package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/container"
)

func clearBankEnv(t testing.TB) {
	for _, k := range []string{container.EnvDirectoryURL, container.EnvTLSCertFile, container.EnvTLSKeyFile, defectsEnv} {
		t.Setenv(k, "")
	}
}

func TestBankUsageErrors(t *testing.T) {
	clearBankEnv(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "nonsense"}, "--addr"},
		{[]string{"--issuer", "ftp://x"}, "--issuer"},
		{[]string{"--directory-url", "directory:8080"}, "--directory-url"},
		{[]string{"--server-cert", "c.pem"}, "--server-key"},
		{[]string{"--server-cert", "c.pem", "--server-key", "k.pem", "--hostname", "x"}, "--hostname"},
		{[]string{"--server-cert", "missing.pem", "--server-key", "missing-key.pem"}, "--server-cert"},
		{[]string{"extra"}, "extra"},
		{[]string{"--directory-ca", "ca.pem"}, "--directory-url"},
		{[]string{"--directory-ca", "missing.pem", "--directory-url", "http://127.0.0.1:1"}, "missing.pem"},
	} {
		var stdout, stderr bytes.Buffer
		if code := runBank(c.args, &stdout, &stderr); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, code, exitUsage, stderr.String())
		}
		if !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: stderr %q does not name %s", c.args, stderr.String(), c.want)
		}
	}
}

// TestBankStandaloneServesAndStops runs the bank alone on an address (with its own in-process directory,
// since no URL is given), with a self-issued certificate whose CA it writes, and defects from the
// environment; then stops it with SIGINT.
func TestBankStandaloneServesAndStops(t *testing.T) {
	clearBankEnv(t)
	t.Setenv(defectsEnv, "no-such-defect")
	var stdout, stderr bytes.Buffer
	if code := runBank([]string{"--addr", "127.0.0.1:0"}, &stdout, &stderr); code != exitFailed || !strings.Contains(stderr.String(), "no-such-defect") {
		t.Fatalf("a defect from $%s was not checked: exit %d, %s", defectsEnv, code, stderr.String())
	}
	t.Setenv(defectsEnv, " skip-ssa-signature ,")

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pr, pw := io.Pipe()
	var errBuf syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runBank([]string{"--addr", "127.0.0.1:0", "--ca-out", caFile}, pw, &errBuf)
		pw.Close()
	}()
	rd := bufio.NewReader(pr)
	var base string
	for base == "" {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("no address on stdout: %v (%s)", err, errBuf.String())
		}
		if rest, ok := strings.CutPrefix(line, "reference bank: listening on "); ok {
			base = strings.Fields(rest)[0]
			if !strings.Contains(line, "skip-ssa-signature") {
				t.Errorf("defects from the environment not shown: %s", line)
			}
		}
	}
	go func() { _, _ = io.Copy(io.Discard, rd) }()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatalf("--ca-out wrote %q", pem)
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	res, err := c.Get(base + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	_ = json.NewDecoder(res.Body).Decode(&doc)
	res.Body.Close()
	if doc["issuer"] != base {
		t.Errorf("issuer %v, want %s", doc["issuer"], base)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d after SIGINT: %s", code, errBuf.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown after SIGINT")
	}
}
