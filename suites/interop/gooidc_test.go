// Package interop runs the rfc7591 suite against a real OpenID provider that nobody here wrote:
// github.com/luikyv/go-oidc, set up in the test on loopback over TLS with dynamic client
// registration, RFC 7592 management (registration access tokens, rotated on read and update) and
// an initial access token. Where the provider follows the RFCs every spec passes; where it deviates,
// the spec that says so is listed below with the requirement, so a change in either direction
// breaks this test. It is a package of its own because Ginkgo runs one suite per process.
package interop_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/luikyv/go-oidc/pkg/goidc"
	"github.com/luikyv/go-oidc/pkg/provider"

	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/suites"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// expectedDeviations are the rfc7591 specs go-oidc v0.25.0 fails, each with the requirement it
// breaks. Everything else must pass.
var expectedDeviations = map[string]string{
	// A management request without a token is answered 403 access_denied: RFC 6750 section 3 asks for
	// 401 with a WWW-Authenticate: Bearer challenge when a request carries no credentials.
	"RFC-GET-N01": "RFC6750-3: 403 access_denied, no WWW-Authenticate, for a request without a token",
	"RFC-PUT-N01": "RFC6750-3: 403 access_denied, no WWW-Authenticate, for a request without a token",
	"RFC-DEL-N01": "RFC6750-3: 403 access_denied, no WWW-Authenticate, for a request without a token",
	// 401 invalid_token comes without the WWW-Authenticate header RFC 6750 section 3 requires.
	"RFC-GET-N03": "RFC6750-3: 401 invalid_token without WWW-Authenticate",
	"RFC-PUT-N03": "RFC6750-3: 401 invalid_token without WWW-Authenticate",
	"RFC-DEL-N03": "RFC6750-3: 401 invalid_token without WWW-Authenticate",
	"RFC-REG-N02": "RFC6750-3: 401 invalid_token without WWW-Authenticate (a wrong initial access token)",
	// A redirect URI with a fragment is refused, but with invalid_client_metadata where RFC 7591
	// section 3.2.2 defines invalid_redirect_uri.
	"RFC-REG-N03": "RFC7591-3.2.2: invalid_client_metadata instead of invalid_redirect_uri",
	"RFC-PUT-N07": "RFC7591-3.2.2: invalid_client_metadata instead of invalid_redirect_uri",
	// A client_secret in a PUT is kept as a custom attribute and echoed as the response's client_secret,
	// which the token endpoint refuses: the real secret stays (RFC 7592 section 2.2 holds), but the
	// client information response names a secret that is not the client's (RFC 7592 section 3).
	"RFC-PUT-N06": "RFC7592-3: the update response echoes the client-chosen client_secret, which is not the client's secret",
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

// startGoOIDC serves a go-oidc provider over TLS on loopback and returns its base URL and CA.
func startGoOIDC(t *testing.T) (string, *x509.CertPool) {
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
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return srv.URL, pool
}

func TestRFC7591AgainstGoOIDC(t *testing.T) {
	base, roots := startGoOIDC(t)
	tgt := &target.Target{
		Name:         "go-oidc v0.25.0",
		Profile:      "rfc7591",
		DiscoveryURL: base + "/.well-known/openid-configuration",
		Scope:        "openid",
		RootCAs:      roots,
		Timeout:      10 * time.Second,
		Supports:     target.Capabilities{Read: true, Update: true, Delete: true},
		Profiles:     map[string]*target.ProfileSettings{"rfc7591": {InitialAccessToken: initialAccessToken}},
	}
	report := filepath.Join(t.TempDir(), "report.json")
	if _, err := suites.Run(&suites.T{}, tgt, suites.Options{LabelFilter: "rfc7591", JSONPath: report, NoColor: true, Verbose: testing.Verbose()}); err != nil {
		t.Fatal(err)
	}
	failed, ran, err := suites.FailedSpecIDs(report)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range framework.Catalogue() {
		if s.Profile == "rfc7591" {
			total++
		}
	}
	if ran != total {
		t.Errorf("%d of the %d rfc7591 specs ran (the others were skipped): every one should apply to go-oidc", ran, total)
	}
	var expected []string
	for id := range expectedDeviations {
		expected = append(expected, id)
	}
	sort.Strings(expected)
	for _, id := range failed {
		if _, ok := expectedDeviations[id]; !ok {
			t.Errorf("%s failed against go-oidc, which is not a known deviation: a regression of the harness or of go-oidc", id)
		}
	}
	for _, id := range expected {
		if !slices.Contains(failed, id) {
			t.Errorf("%s passed against go-oidc, but is listed as a deviation (%s): drop it from the list", id, expectedDeviations[id])
		}
	}
	t.Logf("go-oidc: %d specs ran, failed %v", ran, failed)
	if os.Getenv("DCRCONFORM_INTEROP_KEEP") != "" {
		_ = os.WriteFile(os.Getenv("DCRCONFORM_INTEROP_KEEP"), mustRead(t, report), 0o644)
	}
}

func mustRead(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
