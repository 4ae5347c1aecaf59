package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// runHealth is `dcrconform directory health [--ca FILE] URL`: GET URL (within --timeout, at most 64 KiB
// read) and exit 0 on 200, 1 otherwise: the health check of a container built FROM scratch, which has
// no curl (a directory's /healthz, a bank's discovery document).
func runHealth(args []string, stdout, stderr io.Writer) int {
	fs := newCLI("directory health", "directory health [--ca FILE] URL",
		"GETs URL and exits 0 when it answers 200: a container health check (e.g. https://localhost:8443/healthz).", stdout, stderr)
	ca := fs.String("ca", "", "PEM `file` of the roots of the server's certificate (default: system roots)")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return fs.usageError("want one URL")
	}
	u := fs.Arg(0)
	if err := mockdirectory.CheckBaseURL(u); err != nil {
		return fs.badValue("invalid URL %q: %v", u, err)
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if *ca != "" {
		b, err := os.ReadFile(*ca)
		if err != nil {
			return fs.badValue("invalid --ca: %v", err)
		}
		certs, err := pki.ParseCertsPEM(b)
		if err != nil {
			return fs.badValue("invalid --ca %q: %v", *ca, err)
		}
		tlsConf.RootCAs = x509.NewCertPool()
		for _, c := range certs {
			tlsConf.RootCAs.AddCert(c)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fs.badValue("invalid URL %q: %v", u, err)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "health: %v\n", err)
		return exitFailed
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "health: %s: %s\n", u, res.Status)
		return exitFailed
	}
	fmt.Fprintf(stdout, "health: %s: ok\n", u)
	return exitOK
}
