package bank

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
)

// Every value of every choice parses; an unknown name or value does not.
func TestParseChoices(t *testing.T) {
	for name, values := range ChoiceValues() {
		for _, v := range values {
			if _, err := ParseChoices([]string{name + "=" + v}); err != nil {
				t.Errorf("%s=%s: %v", name, v, err)
			}
		}
		if _, err := ParseChoices([]string{name + "=no-such-value"}); err == nil {
			t.Errorf("%s=no-such-value parsed", name)
		}
	}
	if _, err := ParseChoices([]string{"no-such-choice=x"}); err == nil {
		t.Error("an unknown choice parsed")
	}
	c, err := ParseChoices([]string{"token-binding=unbound", "cdr-response-types=code", "id-token-encryption=RSA-OAEP-256/A128CBC-HS256",
		"cdr-duplicate-error=invalid_software_statement", "client-cert=handshake", "rfc7591-auth=private_key_jwt",
		"subject-dn-check=token-endpoint", "revocation=live-jwks", "fragment-error=invalid_client_metadata", "metadata=replaced"})
	want := Choices{UnboundTokens: true, CDRCodeFlowOnly: true, IDTokenEncryption: "RSA-OAEP-256/A128CBC-HS256",
		DuplicateError: "invalid_software_statement", HandshakeClientAuth: true, RFC7591PrivateKeyJWT: true,
		SubjectDNAtToken: true, LiveKeysOnly: true, FragmentError: "invalid_client_metadata", ReplaceMetadata: true}
	if err != nil || c != want {
		t.Errorf("got %+v (%v), want %+v", c, err, want)
	}
}

// Discovery says what the choices make the bank do: binding, response types, ID-token encryption.
func TestDiscoveryFollowsTheChoices(t *testing.T) {
	discovery := func(c Choices) map[string]any {
		b, err := New(Config{Choices: c})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		b.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, discoveryPath, nil))
		var doc map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	list := func(v any) []string {
		var out []string
		for _, s := range v.([]any) {
			out = append(out, s.(string))
		}
		return out
	}
	def := discovery(Choices{})
	if def["tls_client_certificate_bound_access_tokens"] != true || !slices.Contains(list(def["response_types_supported"]), "code id_token") ||
		!slices.Equal(list(def["id_token_encryption_alg_values_supported"]), []string{"RSA-OAEP"}) ||
		!slices.Equal(list(def["id_token_encryption_enc_values_supported"]), []string{"A256GCM"}) {
		t.Errorf("default discovery: %v", def)
	}
	other := discovery(Choices{UnboundTokens: true, CDRCodeFlowOnly: true, IDTokenEncryption: idTokenEncOther})
	if _, present := other["tls_client_certificate_bound_access_tokens"]; present ||
		!slices.Equal(list(other["response_types_supported"]), []string{"code"}) ||
		!slices.Equal(list(other["id_token_encryption_alg_values_supported"]), []string{"RSA-OAEP-256"}) ||
		!slices.Equal(list(other["id_token_encryption_enc_values_supported"]), []string{"A128CBC-HS256"}) {
		t.Errorf("discovery of the other choices: %v", other)
	}
}

// The choices at registration and the token endpoint: where a wrong subject DN is refused, and how
// revoked software is recognised.
func TestChoicesAtRegistration(t *testing.T) {
	f := newFixture(t)
	start := func(c Choices) *Server {
		cfg := f.config()
		cfg.Choices = c
		s, err := Start(cfg, f.serverCert)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	wrongDN := tlsClientAuth("CN=someone,OU=else,O=OpenBanking,C=GB")
	if got := registerWith(wrongDN)(t, f, start(Choices{})); got != badMeta {
		t.Errorf("wrong subject DN, checked at registration: %s, want %s", got, badMeta)
	}
	s := start(Choices{SubjectDNAtToken: true})
	sw := f.newSoftware(t, false)
	r := register(t, s, sw.client, f.requestJWT(t, sw, s.URL, wrongDN))
	id, _ := r.body["client_id"].(string)
	if r.status != http.StatusCreated || id == "" {
		t.Fatalf("wrong subject DN, checked at the token endpoint: registration %s, want 201", r.outcome())
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "scope": {"accounts"}}
	if got := requestToken(t, s, sw.client, form).outcome(); got != noClient {
		t.Errorf("wrong subject DN, checked at the token endpoint: token %s, want %s", got, noClient)
	}

	if got := registerRevoked(t, f, start(Choices{})); got != unapprov {
		t.Errorf("revoked software, revoked key set read: %s, want %s", got, unapprov)
	}
	if got := registerRevoked(t, f, start(Choices{LiveKeysOnly: true})); got != badMeta {
		t.Errorf("revoked software, live key set alone: %s, want %s", got, badMeta)
	}
}

// A UK update changing redirect_uris is applied, or, with uk-update-redirect-uris=fixed, refused with
// invalid_redirect_uri; an update keeping them is applied either way.
func TestUpdateOfRedirectURIsFollowsTheChoice(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		fixed        bool
		keep, change string
	}{{false, "200", "200"}, {true, "200", badRedir}} {
		cfg := f.config()
		cfg.Choices = Choices{FixedRedirectURIs: c.fixed}
		s, err := Start(cfg, f.serverCert)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		put := func(edit editFunc) string {
			return managed(func(t *testing.T, f *fixture, s *Server, sw *software, id, tok string) string {
				return manage(t, s, sw.client, http.MethodPut, id, tok, f.requestJWT(t, sw, s.URL, edit)).outcome()
			})(t, f, s)
		}
		if got := put(set("scope", "openid accounts")); got != c.keep {
			t.Errorf("fixed=%v, PUT keeping redirect_uris: %s, want %s", c.fixed, got, c.keep)
		}
		if got := put(set("redirect_uris", []string{"https://tpp.example/cb2"})); got != c.change {
			t.Errorf("fixed=%v, PUT changing redirect_uris: %s, want %s", c.fixed, got, c.change)
		}
	}
}

// PATCH at the plain RFC 7592 client configuration endpoint is refused with 405 by default, and with
// rfc7592-patch=merge applied: the answer and a later read carry the patched client_name.
func TestPatchFollowsTheChoice(t *testing.T) {
	f := newFixture(t)
	for _, merge := range []bool{false, true} {
		cfg := f.config()
		cfg.Choices = Choices{MergePatch: merge}
		s, err := Start(cfg, f.serverCert)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		c := plainClient(t, f, s)
		uri := str(c, "registration_client_uri")
		r := doWith(t, f.httpClient(t, nil), http.MethodPatch, uri, jsonHeader("Bearer "+str(c, "registration_access_token")), `{"client_name":"patched"}`)
		if !merge {
			if got := r.outcome(); got != "405 invalid_request" {
				t.Errorf("PATCH without the choice: %s, want 405 invalid_request", got)
			}
			continue
		}
		if r.status != http.StatusOK || r.body["client_name"] != "patched" {
			t.Fatalf("PATCH with rfc7592-patch=merge: %s, client_name %v", r.outcome(), r.body["client_name"])
		}
		read := doWith(t, f.httpClient(t, nil), http.MethodGet, uri, jsonHeader("Bearer "+str(r.body, "registration_access_token")), "")
		if read.status != http.StatusOK || read.body["client_name"] != "patched" || read.body["redirect_uris"] == nil {
			t.Errorf("read after the PATCH: %s, client_name %v, redirect_uris %v", read.outcome(), read.body["client_name"], read.body["redirect_uris"])
		}
	}
}
