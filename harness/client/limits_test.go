package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/pki"
)

func get(t *testing.T, c *Client, url string) (*Response, error) {
	t.Helper()
	return c.Do(context.Background(), Request{Method: "GET", URL: url}, nil)
}

func TestOversizedHeadersAreRefusedNamingTheCap(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := range 64 {
			w.Header().Add("X-Filler", strings.Repeat("h", 1000)+string(rune('a'+i%26)))
		}
	}))
	defer srv.Close()
	_, err := get(t, New(Options{MaxHeader: 8 << 10}), srv.URL)
	if err == nil || !strings.Contains(err.Error(), "response headers larger than 8192 bytes") {
		t.Fatalf("err = %v, want the header cap named", err)
	}
}

func TestOversizedHeadersOverHTTP2AreRefusedNamingTheCap(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := range 256 {
			w.Header().Set(fmt.Sprintf("X-Filler-%03d", i), strings.Repeat("h", 1000))
		}
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	resp, err := get(t, New(Options{RootCAs: pool}), srv.URL)
	if err == nil {
		t.Fatalf("a response with %d headers was accepted", len(resp.Header))
	}
	// Go's HTTP/2 client closes the connection without saying why; the error names the likely cause.
	if !strings.Contains(err.Error(), "response headers over the harness's 65536-byte cap") {
		t.Fatalf("err = %v, want the header cap named", err)
	}
}

func TestRedirectIsRefusedNamingTheLocation(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.example/register", http.StatusFound)
	}))
	defer srv.Close()
	resp, err := get(t, New(Options{}), srv.URL)
	if !errors.Is(err, ErrRedirect) || !strings.Contains(err.Error(), "https://elsewhere.example/register") || resp == nil || resp.Status != 302 {
		t.Fatalf("resp %v, err = %v, want a refused redirect naming where it led", resp, err)
	}
}

func TestServerCertificateForAnotherHostNamesTheHost(t *testing.T) {
	ca, err := pki.NewCA("test")
	if err != nil {
		t.Fatal(err)
	}
	other, err := ca.IssueServer("bank.example")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{other}}
	srv.StartTLS()
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")
	_, err = get(t, New(Options{RootCAs: ca.Pool()}), srv.URL)
	var te *TLSError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), host) || !strings.Contains(err.Error(), "bank.example") {
		t.Fatalf("err = %v, want a TLS error naming %s and the certificate's host", err, host)
	}
	_, err = get(t, New(Options{}), srv.URL) // system roots: unknown authority
	if !errors.As(err, &te) || !strings.Contains(err.Error(), host) {
		t.Fatalf("err = %v, want a TLS error naming %s", err, host)
	}
}

func TestRefusedConnectionIsNoAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = get(t, New(Options{}), "http://"+addr+"/")
	if na, timedOut := IsNoAnswer(err); !na || timedOut || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v, want a refused connection counted as no answer", err)
	}
}

func TestDrippedBodyTimesOutAsNoAnswer(t *testing.T) {
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		for range 100 {
			w.Write([]byte("x"))
			w.(http.Flusher).Flush()
			select {
			case <-time.After(100 * time.Millisecond):
			case <-r.Context().Done():
				return
			case <-done:
				return
			}
		}
	}))
	defer srv.Close()
	defer close(done)
	start := time.Now()
	_, err := get(t, New(Options{Timeout: 300 * time.Millisecond}), srv.URL)
	if na, timedOut := IsNoAnswer(err); !na || !timedOut || !strings.Contains(err.Error(), "body did not arrive within 300ms") {
		t.Fatalf("err = %v, want the body's timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %s", d)
	}
}

func TestDecodeObjectRefusesDeepNestingAndNamesSyntaxErrors(t *testing.T) {
	deep := strings.Repeat("[", 100000)
	if _, err := DecodeObject([]byte(deep)); err == nil || !strings.Contains(err.Error(), "nested deeper than 32") {
		t.Fatalf("err = %v", err)
	}
	ok := `{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"","jwks":{"keys":[{"x5c":["c"]}]}}`
	if _, err := DecodeObject([]byte(ok)); err != nil {
		t.Fatalf("brackets in strings counted: %v", err)
	}
	for body, want := range map[string]string{
		"<html>":    "invalid JSON at byte 1",
		`[1,2]`:     "a JSON array, not an object",
		`{"a":1} x`: "data after the value",
		"null":      "a JSON null, not an object",
	} {
		if _, err := DecodeObject([]byte(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
	}
}
