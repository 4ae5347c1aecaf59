// A running directory (directory.url): how the harness reaches its admin API.
package config

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/harness/target"
)

// StartRun opens this run's lease on the running directory at directory.url, named name: its Directory
// mints the run's identities, and End removes them.
func (d *Directory) StartRun(ctx context.Context, name string) (*target.DirectoryRun, error) {
	if !d.Remote() {
		return nil, errors.New("directory: no url of a running directory")
	}
	token := d.Token()
	if token == "" {
		return nil, fmt.Errorf("directory.admin_token: none given, and $%s is empty", AdminTokenEnv)
	}
	c, err := d.adminClient()
	if err != nil {
		return nil, err
	}
	return target.StartRemoteRun(ctx, d.URL, token, c, name, d.RunTTLDuration())
}

// adminClient is an HTTP client trusting the system roots and directory.ca_bundle, that follows no
// redirect: the admin token goes to directory.url only.
func (d *Directory) adminClient() (*http.Client, error) {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       time.Minute,
	}
	if d.CABundle != "" {
		pem, err := readCapped(d.CABundle, MaxConfigBytes)
		if err != nil {
			return nil, fmt.Errorf("directory.ca_bundle: %w", err)
		}
		certs, err := pki.ParseCertsPEM(pem)
		if err != nil {
			return nil, fmt.Errorf("directory.ca_bundle: %w", err)
		}
		pool, err := x509.SystemCertPool() // a certificate the operator gave may chain to public roots
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		for _, c := range certs {
			pool.AddCert(c)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, nil
}
