package bank

import (
	"bytes"
	"crypto/tls"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/dcrconform/dcrconform/harness/pki"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestLifecycle(t *testing.T) {
	f := newFixture(t)
	logs := &syncBuffer{}
	cfg := f.config()
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := Start(cfg, f.serverCert)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sw := f.newSoftware(t, false)
	var secrets []string

	// Register.
	body := f.requestJWT(t, sw, s.URL, nil)
	secrets = append(secrets, body)
	r := register(t, s, sw.client, body)
	if r.status != http.StatusCreated || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("register: %d %s %s", r.status, r.header.Get("Content-Type"), r.raw)
	}
	id, _ := r.body["client_id"].(string)
	if id == "" || strings.ContainsAny(id, "+/=") {
		t.Fatalf("client_id %q is not url-safe", id)
	}
	if _, ok := r.body["client_id_issued_at"].(float64); !ok {
		t.Errorf("client_id_issued_at is not a number: %v", r.body["client_id_issued_at"])
	}
	if _, ok := r.body["client_secret"]; ok {
		t.Error("a private_key_jwt client got a client_secret")
	}
	want := map[string]string{
		"redirect_uris": "[https://tpp.example/cb]", "token_endpoint_auth_method": "private_key_jwt",
		"token_endpoint_auth_signing_alg": "ES256", "grant_types": "[authorization_code client_credentials refresh_token]",
		"response_types": "[code id_token]", "application_type": "web", "id_token_signed_response_alg": "PS256",
		"request_object_signing_alg": "PS256", "scope": "openid accounts payments", "software_id": sw.id,
	}
	for k, v := range want {
		if got := sprint(r.body[k]); got != v {
			t.Errorf("201 %s = %s, want %s", k, got, v)
		}
	}
	if ssa, _ := r.body["software_statement"].(string); ssa == "" {
		t.Error("201 lacks software_statement")
	} else {
		secrets = append(secrets, ssa)
	}
	registered := r.body

	// Token, bound to the transport certificate.
	signedAssertion := mustSign(t, assertion(s, id), sw.key)
	secrets = append(secrets, signedAssertion)
	r = requestToken(t, s, sw.client, tokenForm(id, signedAssertion))
	if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("token: %d %s", r.status, r.raw)
	}
	tok, _ := r.body["access_token"].(string)
	if tok == "" || r.body["token_type"] != "Bearer" || r.body["expires_in"] != float64(3600) || r.body["scope"] != "accounts" {
		t.Fatalf("token response: %s", r.raw)
	}
	secrets = append(secrets, tok)
	if tp, ok := s.Bank.TokenBinding(tok); !ok || tp != pki.Thumbprint(sw.leaf) {
		t.Errorf("TokenBinding = %q, %v; want the transport certificate's thumbprint", tp, ok)
	}

	// Read.
	r = manage(t, s, sw.client, http.MethodGet, id, tok, "")
	if r.status != http.StatusOK || sprint(r.body) != sprint(registered) {
		t.Fatalf("GET: %d %s\nwant %v", r.status, r.raw, registered)
	}

	// Update, then read the update.
	update := f.requestJWT(t, sw, s.URL, func(_, req map[string]any) {
		req["redirect_uris"] = []string{"https://tpp.example/cb2"}
		req["scope"] = "openid accounts"
	})
	secrets = append(secrets, update)
	r = manage(t, s, sw.client, http.MethodPut, id, tok, update)
	if r.status != http.StatusOK || r.body["client_id"] != id || sprint(r.body["redirect_uris"]) != "[https://tpp.example/cb2]" {
		t.Fatalf("PUT: %d %s", r.status, r.raw)
	}
	if r.body["client_id_issued_at"] != registered["client_id_issued_at"] {
		t.Errorf("PUT changed client_id_issued_at")
	}
	r = manage(t, s, sw.client, http.MethodGet, id, tok, "")
	if r.status != http.StatusOK || r.body["scope"] != "openid accounts" || sprint(r.body["redirect_uris"]) != "[https://tpp.example/cb2]" {
		t.Fatalf("GET after PUT: %d %s", r.status, r.raw)
	}

	// Delete: no body, token gone, client gone.
	r = manage(t, s, sw.client, http.MethodDelete, id, tok, "")
	if r.status != http.StatusNoContent || len(r.raw) != 0 {
		t.Fatalf("DELETE: %d %q", r.status, r.raw)
	}
	if _, ok := s.Bank.TokenBinding(tok); ok {
		t.Error("the token survived DELETE")
	}
	r = manage(t, s, sw.client, http.MethodGet, id, tok, "")
	if r.outcome() != noToken || r.header.Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
		t.Errorf("GET after DELETE: %s %v", r.outcome(), r.header)
	}
	r = requestToken(t, s, sw.client, tokenForm(id, mustSign(t, assertion(s, id), sw.key)))
	if r.outcome() != noClient {
		t.Errorf("token after DELETE: %s", r.outcome())
	}

	// The software can register again once its client is deleted.
	if r := register(t, s, sw.client, f.requestJWT(t, sw, s.URL, nil)); r.status != http.StatusCreated {
		t.Errorf("registration after DELETE: %s", r.outcome())
	}

	out := logs.String()
	if !strings.Contains(out, "client registered") {
		t.Errorf("nothing logged: %q", out)
	}
	for _, secret := range secrets {
		if strings.Contains(out, secret) || strings.Contains(out, secret[:40]) {
			t.Errorf("the log holds a token, assertion or request")
		}
	}
}

func TestDiscovery(t *testing.T) {
	f := newFixture(t)
	s := f.startBank(t)
	r := do(t, f.httpClient(t, nil), http.MethodGet, s.URL+discoveryPath, "", "", nil)
	if r.status != http.StatusOK {
		t.Fatalf("discovery: %d %s", r.status, r.raw)
	}
	want := map[string]string{
		"issuer":                                s.URL,
		"registration_endpoint":                 s.URL + "/open-banking/v3.3.0/register",
		"token_endpoint":                        s.URL + "/oauth2/token",
		"token_endpoint_auth_methods_supported": "[private_key_jwt tls_client_auth]",
		"token_endpoint_auth_signing_alg_values_supported": "[PS256 ES256]",
		"grant_types_supported":                            "[authorization_code client_credentials refresh_token]",
		"response_types_supported":                         "[code id_token code]",
		"scopes_supported":                                 "[openid accounts payments fundsconfirmations]",
		"tls_client_certificate_bound_access_tokens":       "true",
	}
	for k, v := range want {
		if got := sprint(r.body[k]); got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
}

// A client certificate sent without its issuing CA verifies through Config.ClientIntermediates.
func TestClientIntermediates(t *testing.T) {
	f := newFixture(t)
	cfg := f.config()
	cfg.ClientIntermediates = f.ca.IntermediatePool()
	s, err := Start(cfg, f.serverCert)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sw := f.newSoftware(t, false)
	tr := sw.client.Transport.(*http.Transport)
	leafOnly := tr.TLSClientConfig.Certificates[0]
	leafOnly.Certificate = leafOnly.Certificate[:1]
	c := f.httpClient(t, &tls.Certificate{Certificate: leafOnly.Certificate, PrivateKey: leafOnly.PrivateKey})
	if r := register(t, s, c, f.requestJWT(t, sw, s.URL, nil)); r.status != http.StatusCreated {
		t.Fatalf("register with a leaf-only chain: %s %s", r.outcome(), r.raw)
	}
	// A certificate from another CA is not trusted.
	stranger := newFixture(t).newSoftware(t, false)
	strangerCert := stranger.client.Transport.(*http.Transport).TLSClientConfig.Certificates[0]
	if r := register(t, s, f.httpClient(t, &strangerCert), f.requestJWT(t, stranger, s.URL, nil)); r.outcome() != noClient {
		t.Fatalf("register with an untrusted certificate: %s", r.outcome())
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
