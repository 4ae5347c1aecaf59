package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509/pkix"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/harness/pki"
)

// A P-384 key given as ES256 stops the run at load with exit 2 naming the field (issue 16, item 5):
// before, the run went ahead and 80 specs failed.
func TestRunRefusesMisfitSigningKeyAtLoad(t *testing.T) {
	ca, err := pki.NewCA("t")
	if err != nil {
		t.Fatal(err)
	}
	tk, _ := pki.NewECKey()
	cert, err := ca.IssueClient(pkix.Name{CommonName: "sw"}, tk)
	if err != nil {
		t.Fatal(err)
	}
	sk, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	dir := t.TempDir()
	tkPEM, _ := pki.KeyPEM(tk)
	skPEM, _ := pki.KeyPEM(sk)
	for name, data := range map[string][]byte{"t.pem": pki.CertPEM(cert), "tk.pem": tkPEM, "s.pem": skPEM, "c.yaml": []byte(`
target: {discovery_url: "https://127.0.0.1:1/.well-known/openid-configuration"}
software:
  software_id: sw
  transport_cert: t.pem
  transport_key: tk.pem
  signing_key: s.pem
  signing_kid: k1
  signing_alg: ES256
  redirect_uris: [https://tpp.example.com/cb]
  ssa: eyJhbGciOiJub25lIn0.e30.
`)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	code := dispatch([]string{"run", "--config", filepath.Join(dir, "c.yaml"), "--junit", filepath.Join(dir, "j.xml")}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "software.signing_alg") || !strings.Contains(stderr.String(), "P-384") {
		t.Fatalf("exit %d, stderr %q; want 2 naming software.signing_alg and P-384", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "j.xml")); err == nil {
		t.Error("a run refused at load wrote a report")
	}
}
