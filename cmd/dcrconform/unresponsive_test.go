package main

import (
	"context"
	"crypto/tls"
	"crypto/x509/pkix"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/harness/container"
	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/reports"
)

var (
	plainBinOnce sync.Once
	plainBin     string
	plainBinErr  error
)

// plainBinary builds dcrconform once for tests that run it against a bank of their own (no Docker).
func plainBinary(t testing.TB) string {
	t.Helper()
	plainBinOnce.Do(func() {
		root, err := container.ModuleRoot()
		if err != nil {
			plainBinErr = err
			return
		}
		dir, err := os.MkdirTemp("", "dcrconform-plain-")
		if err != nil {
			plainBinErr = err
			return
		}
		plainBin = filepath.Join(dir, "dcrconform")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		plainBinErr = container.BuildBinary(ctx, root, plainBin)
	})
	if plainBinErr != nil {
		t.Fatalf("building dcrconform: %v", plainBinErr)
	}
	return plainBin
}

// misbehavingBank writes a config for a TLS bank whose registration endpoint runs handler, with a
// software identity (keys, certificate, SSA) of its own.
func misbehavingBank(t *testing.T, handler http.HandlerFunc) string {
	t.Helper()
	ca, err := pki.NewCA("misbehaving bank")
	if err != nil {
		t.Fatal(err)
	}
	serverCert, err := ca.IssueServer("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(handler)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca.pem", ca.BundlePEM())
	write("bank.yaml", []byte(`profile: uk
target:
  registration_endpoint: `+srv.URL+`/register
  token_endpoint: `+srv.URL+`/token
  issuer: `+srv.URL+`
  ca_bundle: ca.pem
  timeout: 1s
`+writeFixedSoftware(t, ca, write)))
	return filepath.Join(dir, "bank.yaml")
}

// A bank that never answers fails each spec within the timeout, and the run goes on to the next.
func TestUnresponsiveBankFailsEachSpecWithinTheTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release) // before the server's cleanup, which waits for its handlers
	cfg := misbehavingBank(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	start := time.Now()
	r := runChild(t, plainBinary(t), "--config", cfg, "--focus", "UK-REG-001", "--focus", "UK-TOK-001")
	if r.code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitFailed, r.stdout, r.stderr)
	}
	if failed := r.specs(types.SpecStateFailed); strings.Join(failed, ",") != "UK-REG-001,UK-TOK-001" {
		t.Fatalf("failed specs %v, want both to run and fail", failed)
	}
	for _, s := range r.report {
		if s.State == types.SpecStateFailed && !strings.Contains(s.Failure.Message, "no answer within 1s") {
			t.Errorf("%s failed with %q, want it to name the timeout", s.LeafNodeText, s.Failure.Message)
		}
	}
	if elapsed := time.Since(start); elapsed > 30*time.Second {
		t.Errorf("the run took %s", elapsed)
	}
}

// A bank that answers HTML where JSON is due fails the spec with the status and an excerpt.
func TestNonJSONAnswerFailsWithStatusAndExcerpt(t *testing.T) {
	cfg := misbehavingBank(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte("<html><body>Registered, probably</body></html>"))
	})
	r := runChild(t, plainBinary(t), "--config", cfg, "--focus", "UK-REG-001")
	if r.code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitFailed, r.stdout, r.stderr)
	}
	for _, s := range r.report {
		if s.State != types.SpecStateFailed {
			continue
		}
		msg := s.Failure.Message
		if !strings.Contains(msg, "status 201") || !strings.Contains(msg, "Registered, probably") {
			t.Errorf("failure %q does not give the status and an excerpt of the body", msg)
		}
		return
	}
	t.Fatal("no spec failed")
}

// readRunRecord reads a run's JSON record, failing the test if it cannot.
func readRunRecord(t *testing.T, path string) *reports.Run {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	run, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// writeFixedSoftware writes a software identity of its own, issued by ca (transport certificate and key,
// an ES256 signing key, an SSA), with write, and returns the config's software block that names them.
func writeFixedSoftware(t testing.TB, ca *pki.CA, write func(name string, data []byte)) string {
	t.Helper()
	transportKey, _ := pki.NewECKey()
	transport, err := ca.IssueClient(pkix.Name{CommonName: "software-1"}, transportKey)
	if err != nil {
		t.Fatal(err)
	}
	signingKey, _ := pki.NewECKey()
	key, _ := joseutil.NewKey(signingKey)
	ssa, err := joseutil.Sign(map[string]any{"iss": "OpenBanking Ltd", "software_id": "software-1"}, key, "JWT")
	if err != nil {
		t.Fatal(err)
	}
	transportKeyPEM, _ := pki.KeyPEM(transportKey)
	signingKeyPEM, _ := pki.KeyPEM(signingKey)
	write("transport.pem", pki.CertPEM(transport))
	write("transport-key.pem", transportKeyPEM)
	write("signing-key.pem", signingKeyPEM)
	write("ssa.jwt", []byte(ssa))
	return `software:
  software_id: software-1
  transport_cert: transport.pem
  transport_key: transport-key.pem
  signing_key: signing-key.pem
  signing_kid: ` + key.KeyID + `
  signing_alg: ES256
  redirect_uris: [https://tpp.example.com/cb]
  ssa_file: ssa.jwt
`
}
