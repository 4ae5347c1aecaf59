package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// writeKeyPair writes an ECDSA P-256 private key (PKCS#8) and its public key (PKIX) as PEM files.
func writeKeyPair(t *testing.T, dir string) (priv, pub string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	pubDER, _ := x509.MarshalPKIXPublicKey(k.Public())
	priv, pub = filepath.Join(dir, "key.pem"), filepath.Join(dir, "pub.pem")
	if err := os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

// TestMergedSignedRecordVerifies is the vendor's evidence: two signed runs (two profiles of the reference
// bank, each its own process), merged into one signed record with HTML and JUnit, which verifies; an
// edited copy does not, naming the spec edited.
func TestMergedSignedRecordVerifies(t *testing.T) {
	bin := dcrconformBinary(t)
	dir := t.TempDir()
	key, pub := writeKeyPair(t, dir)
	p := func(name string) string { return filepath.Join(dir, name) }
	run := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	for _, profile := range []string{"rfc7591", "is"} {
		if out, code := run("run", "--profile", profile, "--json", p(profile+".json"), "--junit", "", "--sign-key", key, "-v=false", "--no-color"); code != exitOK {
			t.Fatalf("run --profile %s: exit %d\n%s", profile, code, lastBytes([]byte(out), 3000))
		}
		if out, code := run("report", "verify", "--in", p(profile+".json"), "--key", pub); code != exitOK || !strings.Contains(out, "signature OK") {
			t.Fatalf("verify %s: exit %d: %s", profile, code, out)
		}
	}
	out, code := run("report", "--in", p("rfc7591.json"), "--in", p("is.json"), "--key", pub, "--sign-key", key,
		"--json", p("all.json"), "--html", p("all.html"), "--junit", p("all.xml"))
	if code != exitOK || !strings.Contains(out, "2 runs merged") {
		t.Fatalf("report merge: exit %d: %s", code, out)
	}
	out, code = run("report", "verify", "--in", p("all.json"), "--key", pub)
	if code != exitOK || !strings.Contains(out, "profile rfc7591,is") {
		t.Fatalf("verify merged: exit %d: %s", code, out)
	}
	html, err := os.ReadFile(p("all.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Matrix: spec × target", "verified", "signed with key <code class=\"thumb\">"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("merged HTML lacks %q", want)
		}
	}

	// A forger flips the outcome of one spec: verification fails and names it.
	data, err := os.ReadFile(p("all.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	first := m["specs"].([]any)[0].(map[string]any)
	first["outcome"] = "failed"
	forged, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(p("forged.json"), forged, 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = run("report", "verify", "--in", p("forged.json"), "--key", pub)
	if want := "spec " + first["target"].(string) + "/" + first["id"].(string) + " was changed"; code != exitFailed || !strings.Contains(out, want) {
		t.Errorf("verify forged: exit %d, want 1 naming %q: %s", code, want, out)
	}
	// Merging a forged input with --key is refused.
	if out, code := run("report", "--in", p("forged.json"), "--key", pub, "--html", p("x.html")); code != exitFailed || !strings.Contains(out, "does not hold") {
		t.Errorf("report --key over a forged input: exit %d: %s", code, out)
	}
}

// TestReportShowsTheVerifiedSignature regenerates the HTML of one signed record with --key: the page names
// the key's thumbprint and says the signature was verified; another key is refused.
func TestReportShowsTheVerifiedSignature(t *testing.T) {
	dir := t.TempDir()
	key, pub := writeKeyPair(t, dir)
	in := writeRunJSON(t, dir)
	signed := filepath.Join(dir, "signed.json")
	var stdout, stderr bytes.Buffer
	if code := runReport([]string{"--in", in, "--json", signed, "--sign-key", key}, &stdout, &stderr); code != exitOK {
		t.Fatalf("sign: exit %d: %s", code, stderr.String())
	}
	html := filepath.Join(dir, "r.html")
	if code := runReport([]string{"--in", signed, "--key", pub, "--html", html}, &stdout, &stderr); code != exitOK {
		t.Fatalf("report --key: exit %d: %s", code, stderr.String())
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`signed with key <code class="thumb">([A-Za-z0-9_-]{43})</code> \(ES256\) at [^<]+ · <span class="badge passed">verified</span>`).FindSubmatch(page)
	if m == nil {
		t.Fatal("the HTML does not show the signing key and the verification")
	}
	if !strings.Contains(stdout.String(), string(m[1])) {
		t.Errorf("the thumbprint on the page, %s, is not the one report printed: %s", m[1], stdout.String())
	}
	_, otherPub := writeKeyPair(t, t.TempDir())
	stderr.Reset()
	if code := runReport([]string{"--in", signed, "--key", otherPub, "--html", html}, &stdout, &stderr); code != exitFailed || !strings.Contains(stderr.String(), "not by the given key") {
		t.Errorf("another key: exit %d: %s", code, stderr.String())
	}
}
