package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// exportRemoteTrust fetches a running directory's trust material (its CA bundle and the key sets that
// sign SSAs) into trust/. Its server certificate is verified with caFile's roots, or, given caSHA (the
// SHA-256 of its CA root, which `dcrconform directory` prints), with the CA bundle it serves once that
// bundle's root matches; else with the system roots.
func exportRemoteTrust(p initParams, caFile, caSHA string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	get := func(c *http.Client, path string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.DirURL+path, nil)
		if err != nil {
			return nil, err
		}
		res, err := c.Do(req)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return nil, fmt.Errorf("GET %s%s: %w", p.DirURL, path, err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20+1))
		if err == nil && len(b) > 1<<20 {
			err = errors.New("over 1 MiB")
		}
		if err == nil && res.StatusCode != http.StatusOK {
			err = errors.New(res.Status)
		}
		if err != nil {
			return nil, fmt.Errorf("GET %s%s: %w", p.DirURL, path, err)
		}
		return b, nil
	}
	client := func(roots *x509.CertPool) *http.Client {
		return &http.Client{Timeout: 15 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}}}
	}
	var roots *x509.CertPool // nil: the system roots
	switch {
	case caFile != "":
		b, err := os.ReadFile(caFile)
		if err != nil {
			return fmt.Errorf("--directory-ca: %w", err)
		}
		if roots, err = poolOf(b); err != nil {
			return fmt.Errorf("--directory-ca %s: %w", caFile, err)
		}
	case caSHA != "":
		var err error
		if roots, err = pinnedRoots(p.DirURL, caSHA, get); err != nil {
			return err
		}
	}
	c := client(roots)
	files := map[string][]byte{}
	for name, path := range map[string]string{trustCAFile: mockdirectory.CABundlePath, trustUKJWKS: mockdirectory.DirectoryJWKSPath, trustCDRJWKS: mockdirectory.CDRJWKSPath} {
		b, err := get(c, path)
		if err != nil {
			return err
		}
		if name == trustCAFile {
			if _, err := pki.ParseCertsPEM(b); err != nil {
				return fmt.Errorf("%s%s: %w", p.DirURL, path, err)
			}
		} else {
			var set jose.JSONWebKeySet
			if err := json.Unmarshal(b, &set); err != nil || len(set.Keys) == 0 {
				return fmt.Errorf("%s%s: not a key set with keys (%v)", p.DirURL, path, err)
			}
			if b, err = json.MarshalIndent(set, "", "  "); err != nil {
				return err
			}
			b = append(b, '\n')
		}
		files[name] = b
	}
	return writeTrust(p, files, "Exported from the running directory "+p.DirURL+": they stay valid while it keeps its state (CA and keys).")
}

// pinnedRoots fetches the directory's CA bundle without trusting it yet, and accepts it when its root's
// SHA-256 is caSHA and the directory's server certificate chains to it.
func pinnedRoots(base, caSHA string, get func(*http.Client, string) ([]byte, error)) (*x509.CertPool, error) {
	want, err := hex.DecodeString(strings.ReplaceAll(strings.ToLower(caSHA), ":", ""))
	if err != nil || len(want) != sha256.Size {
		return nil, fmt.Errorf("--directory-ca-sha256 %q: want 64 hex digits", caSHA)
	}
	var chain []*x509.Certificate
	c := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Checked below, against the bundle the pin accepts, before anything fetched is used.
		InsecureSkipVerify: true, //nolint:gosec
		VerifyConnection: func(cs tls.ConnectionState) error {
			chain = cs.PeerCertificates
			return nil
		},
	}}}
	b, err := get(c, mockdirectory.CABundlePath)
	if err != nil {
		return nil, err
	}
	certs, err := pki.ParseCertsPEM(b)
	if err != nil {
		return nil, fmt.Errorf("%s%s: %w", base, mockdirectory.CABundlePath, err)
	}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	pinned := false
	for _, cert := range certs {
		sum := sha256.Sum256(cert.Raw)
		if cert.IsCA && string(sum[:]) == string(want) {
			roots.AddCert(cert)
			pinned = true
		} else {
			inters.AddCert(cert)
		}
	}
	if !pinned {
		return nil, fmt.Errorf("%s%s holds no CA certificate with SHA-256 %s: not the directory you meant", base, mockdirectory.CABundlePath, caSHA)
	}
	u, _ := url.Parse(base)
	if len(chain) == 0 {
		return nil, errors.New("the directory presented no server certificate")
	}
	for _, cert := range chain[1:] {
		inters.AddCert(cert)
	}
	if _, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, DNSName: u.Hostname()}); err != nil {
		return nil, fmt.Errorf("the directory's server certificate does not chain to the pinned CA: %w", err)
	}
	all := x509.NewCertPool()
	for _, cert := range certs {
		all.AddCert(cert)
	}
	return all, nil
}

func poolOf(pemBytes []byte) (*x509.CertPool, error) {
	certs, err := pki.ParseCertsPEM(pemBytes)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}
