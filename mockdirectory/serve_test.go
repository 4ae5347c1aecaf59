package mockdirectory

import (
	"context"
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServe(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		ready := make(chan struct{})
		var d *Directory
		var base string
		done := make(chan error, 1)
		go func() {
			done <- Serve(ctx, ServeOptions{Addr: "127.0.0.1:0", TLS: useTLS, AdminToken: testToken, StateDir: t.TempDir(),
				Ready: func(dir *Directory, u string) { d, base = dir, u; close(ready) }})
		}()
		select {
		case <-ready:
		case err := <-done:
			t.Fatal(err)
		case <-time.After(20 * time.Second):
			t.Fatal("not ready")
		}
		client := http.DefaultClient
		if useTLS {
			if !strings.HasPrefix(base, "https://127.0.0.1:") {
				t.Errorf("base URL %s", base)
			}
			client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: d.CA().Pool()}}}
		}
		res, err := client.Get(base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || d.BaseURL() != base {
			t.Errorf("healthz %d, base %s vs %s", res.StatusCode, d.BaseURL(), base)
		}
		if useTLS {
			if res.TLS == nil || res.TLS.PeerCertificates[0].VerifyHostname("localhost") != nil {
				t.Error("server certificate does not cover localhost")
			}
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve after cancel: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no shutdown")
		}
	}
	// Bad options fail fast.
	if err := Serve(context.Background(), ServeOptions{Addr: "nonsense"}); err == nil {
		t.Error("bad addr accepted")
	}
	if err := Serve(context.Background(), ServeOptions{Addr: "127.0.0.1:0", BaseURL: "ftp://x"}); err == nil {
		t.Error("bad base URL accepted")
	}
}

func TestCheckAddr(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8443": true, ":8443": true, "localhost:0": true, "[::1]:443": true, "dir.example.com:443": true,
		"127.0.0.1": false, "host:port": false, "host:70000": false, "bad host:1": false, "": false,
	} {
		if err := CheckAddr(addr); (err == nil) != ok {
			t.Errorf("CheckAddr(%q) = %v", addr, err)
		}
	}
	for u, ok := range map[string]bool{
		"http://127.0.0.1:8443": true, "https://dir.example.com/base": true,
		"ftp://x": false, "/relative": false, "https://x?q=1": false, "https://": false,
	} {
		if err := CheckBaseURL(u); (err == nil) != ok {
			t.Errorf("CheckBaseURL(%q) = %v", u, err)
		}
	}
}
