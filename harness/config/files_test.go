package config

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/pki"
)

var (
	caOnce sync.Once
	testCA *pki.CA
	caErr  error
)

// certFiles writes a transport certificate for key, valid from notBefore to notAfter, issued by a test CA.
func certFiles(t *testing.T, dir string, key crypto.Signer, notBefore, notAfter time.Time) {
	t.Helper()
	caOnce.Do(func() { testCA, caErr = pki.NewCA("config test") })
	if caErr != nil {
		t.Fatal(caErr)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "abc"},
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, testCA.Issuing, key.Public(), testCA.IssuingKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	writeFile(t, dir, "t.pem", pki.CertPEM(c))
	writeKey(t, dir, "tk.pem", key)
}

func writeFile(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeKey(t *testing.T, dir, name string, key crypto.Signer) {
	t.Helper()
	b, err := pki.KeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, name, b)
}

// TestLoadChecksKeysAndCertificates (issue 16, item 5): an expired or not yet valid transport certificate,
// an EC key whose curve does not fit signing_alg and RSA keys under 2048 bits are refused at load, naming
// the field; the run never starts.
func TestLoadChecksKeysAndCertificates(t *testing.T) {
	now := time.Now()
	ec256, _ := pki.NewECKey()
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsa2048, _ := pki.NewRSAKey()
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	valid := [2]time.Time{now.Add(-time.Hour), now.Add(24 * time.Hour)}
	for _, tc := range []struct {
		name         string
		transport    crypto.Signer
		validity     [2]time.Time
		signing      crypto.Signer
		alg          string
		wantField    string // "" = loads
		wantMentions string
	}{
		{"valid EC", ec256, valid, ec256, "ES256", "", ""},
		{"valid RSA, alg from the key", rsa2048, valid, rsa2048, "", "", ""},
		{"expired transport certificate", ec256, [2]time.Time{now.Add(-48 * time.Hour), now.Add(-time.Hour)}, ec256, "", "software.transport_cert", "expired"},
		{"transport certificate not yet valid", ec256, [2]time.Time{now.Add(time.Hour), now.Add(48 * time.Hour)}, ec256, "", "software.transport_cert", "not valid yet"},
		{"P-384 key as ES256", ec256, valid, ec384, "ES256", "software.signing_alg", "P-384"},
		{"P-384 key, no alg", ec256, valid, ec384, "", "software.signing_key", "P-384"},
		{"P-256 key as PS256", ec256, valid, ec256, "PS256", "software.signing_alg", "P-256"},
		{"RSA key as ES256", ec256, valid, rsa2048, "ES256", "software.signing_alg", "RSA"},
		{"1024-bit RSA signing key", ec256, valid, rsa1024, "PS256", "software.signing_key", "1024-bit"},
		{"1024-bit RSA transport key", rsa1024, valid, ec256, "", "software.transport_key", "1024-bit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			certFiles(t, dir, tc.transport, tc.validity[0], tc.validity[1])
			writeKey(t, dir, "s.pem", tc.signing)
			yaml := "target: {discovery_url: https://b/x}\n" + strings.Replace(validSoftware, "eyJ.eyJ.sig", "eyJhbGciOiJub25lIn0.e30.", 1)
			if tc.alg != "" {
				yaml += "  signing_alg: " + tc.alg + "\n"
			}
			p := filepath.Join(dir, "c.yaml")
			writeFile(t, dir, "c.yaml", []byte(yaml))
			c, err := Load(p)
			if tc.wantField == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.BuildTarget(nil); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantField+":") || !strings.Contains(err.Error(), tc.wantMentions) {
				t.Fatalf("err = %v, want one naming %s and saying %q", err, tc.wantField, tc.wantMentions)
			}
		})
	}
}

// A config file over MaxConfigBytes is refused before it is parsed.
func TestLoadRefusesOversizedFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "c.yaml", []byte("# "+strings.Repeat("x", MaxConfigBytes)+"\n"))
	if _, err := Load(filepath.Join(dir, "c.yaml")); err == nil || !strings.Contains(err.Error(), "over") {
		t.Fatalf("err = %v, want the size cap", err)
	}
}

// BuildTarget uses what Load read of the config's files: it does not read them again.
func TestBuildTargetUsesWhatLoadRead(t *testing.T) {
	dir := t.TempDir()
	key, _ := pki.NewECKey()
	certFiles(t, dir, key, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	writeKey(t, dir, "s.pem", key)
	writeFile(t, dir, "ca.pem", pki.CertPEM(testCA.Root))
	yaml := "target: {discovery_url: https://b/x, ca_bundle: ca.pem}\n" + strings.Replace(validSoftware, "eyJ.eyJ.sig", "eyJhbGciOiJub25lIn0.e30.", 1)
	writeFile(t, dir, "c.yaml", []byte(yaml))
	c, err := Load(filepath.Join(dir, "c.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ca.pem", "t.pem", "tk.pem", "s.pem"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	tgt, err := c.BuildTarget(nil)
	if err != nil {
		t.Fatalf("BuildTarget read the files again: %v", err)
	}
	if tgt.RootCAs == nil || tgt.Software == nil || tgt.Software.SigningKey.Signer == nil {
		t.Errorf("target lacks what Load read: %+v", tgt)
	}
}
