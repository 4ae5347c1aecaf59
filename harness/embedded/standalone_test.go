package embedded

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

func discoveryIssuer(t *testing.T, base string, roots *x509.CertPool) string {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	resp, err := c.Get(base + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	iss, _ := doc["issuer"].(string)
	return iss
}

func TestStartBankAgainstADirectoryByURL(t *testing.T) {
	ds, err := ServeDirectory(mockdirectory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	srv, err := StartBank(context.Background(), BankOptions{DirectoryURL: ds.URL, Defects: []string{"skip-ssa-signature"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	certs, err := pki.ParseCertsPEM(srv.ServerCA)
	if err != nil {
		t.Fatalf("self-issued CA: %v", err)
	}
	roots := x509.NewCertPool()
	for _, c := range certs {
		roots.AddCert(c)
	}
	// No issuer given: it is the address the request reached, as for a container behind a mapped port.
	if iss := discoveryIssuer(t, srv.URL, roots); iss != srv.URL {
		t.Errorf("issuer %q, want %q", iss, srv.URL)
	}
	localhost := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	if iss := discoveryIssuer(t, localhost, roots); iss != localhost {
		t.Errorf("issuer %q, want %q", iss, localhost)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}

	// A given certificate and issuer are used as they are.
	ca, _ := pki.NewCA("test")
	cert, _ := ca.IssueServer("127.0.0.1")
	srv2, err := StartBank(context.Background(), BankOptions{DirectoryURL: ds.URL, ServerCert: &cert, Issuer: "https://bank.example"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	if srv2.ServerCA != nil {
		t.Error("ServerCA set for a given certificate")
	}
	if iss := discoveryIssuer(t, srv2.URL, ca.Pool()); iss != "https://bank.example" {
		t.Errorf("issuer %q", iss)
	}

	if _, err := StartBank(context.Background(), BankOptions{DirectoryURL: ds.URL, Defects: []string{"no-such-defect"}}); err == nil {
		t.Error("an unknown defect was accepted")
	}
}

func TestStartBankWaitsForTheDirectory(t *testing.T) {
	ds, err := ServeDirectory(mockdirectory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	var calls atomic.Int32
	starting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		ds.Directory.Handler().ServeHTTP(w, r)
	}))
	defer starting.Close()
	srv, err := StartBank(context.Background(), BankOptions{DirectoryURL: starting.URL, CAWait: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if calls.Load() < 3 {
		t.Errorf("%d calls", calls.Load())
	}

	start := time.Now()
	_, err = StartBank(context.Background(), BankOptions{DirectoryURL: "http://127.0.0.1:1", CAWait: time.Second})
	if err == nil || !strings.Contains(err.Error(), "http://127.0.0.1:1/ca.pem") || !strings.Contains(err.Error(), "no answer within 1s") {
		t.Errorf("unreachable directory: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %s", d)
	}
	for _, bad := range []string{"", "ftp://x", "directory:8080"} {
		if _, err := StartBank(context.Background(), BankOptions{DirectoryURL: bad}); err == nil {
			t.Errorf("directory URL %q accepted", bad)
		}
	}
}
