// The rfc7591 profile against github.com/luikyv/go-oidc, a real OpenID provider, set up here on
// loopback over TLS with dynamic client registration, RFC 7592 management (registration access
// tokens rotated on read and update) and an initial access token. Its known deviations are
// ../testdata/deviations/gooidc.yaml.
package gooidc_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/luikyv/go-oidc/pkg/goidc"
	"github.com/luikyv/go-oidc/pkg/provider"

	"github.com/dcrconform/dcrconform/suites/interop"
)

var server = interop.Server{
	Key: "gooidc", Name: "go-oidc", Version: "v0.25.0",
	Setup: "`github.com/luikyv/go-oidc` (a dependency of the test), in the test process over TLS on loopback: " +
		"client_credentials, client_secret_basic/post, an initial access token, registration access tokens rotated on read and update.",
}

// clients is go-oidc's DCR storage: an in-memory map.
type clients struct {
	mu sync.Mutex
	m  map[string]*goidc.Client
}

func (c *clients) SaveClient(_ context.Context, cl *goidc.Client) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp := *cl
	c.m[cl.ID] = &cp
	return nil
}

func (c *clients) Client(_ context.Context, id string) (*goidc.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl, ok := c.m[id]
	if !ok {
		return nil, goidc.ErrNotFound
	}
	cp := *cl
	return &cp, nil
}

func (c *clients) DeleteClient(_ context.Context, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
	return nil
}

const initialAccessToken = "go-oidc-initial-access-token"

// startGoOIDC serves a go-oidc provider over TLS on loopback and returns its base URL and CA certificate.
func startGoOIDC(t *testing.T) (string, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks := goidc.JSONWebKeySet{Keys: []goidc.JSONWebKey{{Key: key, KeyID: "op-signing", Algorithm: string(goidc.SigAlgRS256), Use: "sig"}}}
	var handler http.Handler = http.NotFoundHandler()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	srv.StartTLS()
	t.Cleanup(srv.Close)

	op, err := provider.New(provider.Config{
		Issuer:      srv.URL,
		JWKS:        func(context.Context) (goidc.JSONWebKeySet, error) { return jwks, nil },
		IDTokenAlgs: []goidc.SignatureAlgorithm{goidc.SigAlgRS256},
	},
		provider.WithScopes(goidc.ScopeOpenID),
		provider.WithClientCredentialsGrant(),
		provider.WithSecretBasicAuthn(),
		provider.WithSecretPostAuthn(),
		provider.WithDCR(&clients{m: map[string]*goidc.Client{}},
			provider.WithDCRInitialTokenValidator(func(_ context.Context, tok string) error {
				if tok != initialAccessToken {
					return errors.New("unknown initial access token")
				}
				return nil
			}),
			provider.WithDCRTokenRotation(),
		),
	)
	if err != nil {
		t.Fatal(err)
	}
	handler = op.Handler()
	return srv.URL, srv.Certificate()
}

func TestRFC7591AgainstGoOIDC(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs a real third-party server); go test -short leaves it out")
	}
	base, cert := startGoOIDC(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	interop.RunAndCheck(t, server, fmt.Sprintf(`profile: rfc7591
target:
  name: go-oidc %s
  discovery_url: %s/.well-known/openid-configuration
  scope: openid
  ca_bundle: %s
overrides:
  initial_access_token: %s
`, server.Version, base, ca, initialAccessToken))
}
