package embedded

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// BankOptions configure a reference bank served on its own, against a mock directory it reaches by URL:
// how `dcrconform bank` runs in a container beside a directory in another one.
type BankOptions struct {
	Addr         string // listen address (default 127.0.0.1:0)
	DirectoryURL string // the mock directory: client CAs from /ca.pem, SSA keys from /keystore/openbanking.jwks
	// ServerCert is the bank's TLS certificate; nil issues one from a throwaway CA for Hostnames, whose
	// bundle is then in BankServer.ServerCA.
	ServerCert *tls.Certificate
	Hostnames  []string // default localhost, 127.0.0.1
	// Issuer is the bank's base URL (discovery issuer, endpoints, expected aud). Empty derives it from each
	// request's Host header, for a bank that cannot know the address it is reached at (a mapped port).
	Issuer  string
	Defects []string
	Logger  *slog.Logger
	// DirectoryCA is the directory's CA bundle (PEM), given as a file exported before the directory runs
	// (dcrconform init --mock-directory); nil fetches it from the directory's /ca.pem.
	DirectoryCA []byte
	// CAWait bounds how long to keep asking the directory for /ca.pem while it starts (default 60s).
	CAWait time.Duration
	// WriteCA, if set, receives the CA bundle of a self-issued server certificate before the bank serves.
	WriteCA func(pem []byte) error
}

// BankServer is a running standalone reference bank.
type BankServer struct {
	*bank.Server
	ServerCA []byte // PEM bundle of the throwaway CA of a self-issued server certificate; nil otherwise
}

// StartBank fetches the directory's CA bundle (retrying until it answers or CAWait passes) and serves the
// reference bank over TLS on opts.Addr, asking for client certificates that chain to that CA.
func StartBank(ctx context.Context, opts BankOptions) (*BankServer, error) {
	if opts.DirectoryURL == "" {
		return nil, errors.New("a mock directory URL is required")
	}
	if err := mockdirectory.CheckBaseURL(opts.DirectoryURL); err != nil {
		return nil, fmt.Errorf("directory URL %q: %w", opts.DirectoryURL, err)
	}
	dirURL := strings.TrimRight(opts.DirectoryURL, "/")
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.CAWait <= 0 {
		opts.CAWait = 60 * time.Second
	}
	if len(opts.Hostnames) == 0 {
		opts.Hostnames = []string{"localhost", "127.0.0.1"}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	bundle, bundleFrom := opts.DirectoryCA, "given"
	if bundle == nil {
		var err error
		if bundle, err = fetchCABundle(ctx, dirURL+mockdirectory.CABundlePath, opts.CAWait); err != nil {
			return nil, fmt.Errorf("%w", err)
		}
		bundleFrom = dirURL + mockdirectory.CABundlePath
	}
	roots, inters, err := splitBundle(bundle)
	if err != nil {
		return nil, fmt.Errorf("directory CA bundle %s: %w", bundleFrom, err)
	}
	// The same configuration as the embedded default's bank (every profile, the same credentials). Key
	// sets of a directory served over https come from a server certificate its own CA issues (dcrconform
	// directory --tls) or one with public roots (--server-cert): both are trusted.
	b, err := bank.New(bank.Config{
		HTTPClient:          directoryClient(bundle),
		DirectoryJWKSURL:    dirURL + mockdirectory.DirectoryJWKSPath,
		DirectoryIssuer:     mockdirectory.UKIssuer,
		CDRJWKSURL:          dirURL + mockdirectory.CDRJWKSPath,
		CDRIssuer:           mockdirectory.CDRIssuer,
		AdminUser:           AdminUser,
		AdminPassword:       AdminPassword,
		InitialAccessToken:  InitialAccessToken,
		ClientCAs:           roots,
		ClientIntermediates: inters,
		Defects:             opts.Defects,
		Logger:              opts.Logger,
	})
	if err != nil {
		return nil, err
	}
	s := &BankServer{}
	cert := opts.ServerCert
	if cert == nil {
		ca, err := pki.NewCA("dcrconform reference bank")
		if err != nil {
			return nil, fmt.Errorf("server CA: %w", err)
		}
		c, err := ca.IssueServer(opts.Hostnames...)
		if err != nil {
			return nil, fmt.Errorf("server certificate: %w", err)
		}
		cert, s.ServerCA = &c, ca.BundlePEM()
		if opts.WriteCA != nil {
			if err := opts.WriteCA(s.ServerCA); err != nil {
				return nil, fmt.Errorf("server CA: %w", err)
			}
		}
	}
	if s.Server, err = bank.Serve(b, opts.Addr, *cert); err != nil {
		return nil, err
	}
	if opts.Issuer != "" {
		b.SetIssuer(opts.Issuer)
	}
	return s, nil
}

// directoryClient fetches the directory's key sets trusting the system roots and the directory's CA
// bundle.
func directoryClient(bundle []byte) *http.Client {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	pool.AppendCertsFromPEM(bundle)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool},
		TLSHandshakeTimeout: 10 * time.Second,
	}}
}

// fetchCABundle GETs url until it answers 200 with a body (each try bounded by 5s, the body by 1 MiB)
// or wait passes.
func fetchCABundle(ctx context.Context, url string, wait time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	c := &http.Client{Timeout: 5 * time.Second}
	var last error
	for {
		body, err := getOnce(ctx, c, url)
		if err == nil {
			return body, nil
		}
		last = err
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("directory CA bundle %s: no answer within %s: %w", url, wait, last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func getOnce(ctx context.Context, c *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	const max = 1 << 20
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, err
	}
	if len(body) > max {
		return nil, fmt.Errorf("body exceeds %d bytes", max)
	}
	if resp.StatusCode != http.StatusOK {
		if len(body) > 200 {
			body = body[:200]
		}
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(body))
	}
	return body, nil
}

// splitBundle sorts a CA bundle into self-signed roots and intermediates (nil when there are none).
func splitBundle(pemBytes []byte) (roots, inters *x509.CertPool, err error) {
	certs, err := pki.ParseCertsPEM(pemBytes)
	if err != nil {
		return nil, nil, err
	}
	roots = x509.NewCertPool()
	nRoots := 0
	for _, c := range certs {
		if bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil {
			roots.AddCert(c)
			nRoots++
			continue
		}
		if inters == nil {
			inters = x509.NewCertPool()
		}
		inters.AddCert(c)
	}
	if nRoots == 0 {
		return nil, nil, errors.New("no self-signed root certificate in the bundle")
	}
	return roots, inters, nil
}

// DirectoryServer is a mock directory served over HTTP on loopback.
type DirectoryServer struct {
	Directory *mockdirectory.Directory
	URL       string // http://127.0.0.1:<port>, also the directory's base URL
	srv       *http.Server
}

// ServeDirectory serves a new mock directory on 127.0.0.1:<random port>.
func ServeDirectory(cfg mockdirectory.Config) (*DirectoryServer, error) {
	dir, err := mockdirectory.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("mock directory: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = dir.Close()
		return nil, fmt.Errorf("mock directory listener: %w", err)
	}
	ds := &DirectoryServer{Directory: dir, URL: "http://" + ln.Addr().String()}
	dir.SetBaseURL(ds.URL)
	ds.srv = mockdirectory.HTTPServer(dir.Handler())
	go func() { _ = ds.srv.Serve(ln) }()
	return ds, nil
}

// Close stops the server at once and releases the directory's state.
func (d *DirectoryServer) Close() error {
	err := d.srv.Close()
	return errors.Join(err, d.Directory.Close())
}
