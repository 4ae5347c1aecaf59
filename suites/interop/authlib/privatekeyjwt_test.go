package authlib_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

// The app's private_key_jwt client authentication (RFC 7523 section 3), which the rfc7591 profile's
// client_secret_basic baseline does not reach: a client registered with a jwks gets a token with an
// assertion its key signed for the token endpoint, and not with one for another audience, one signed
// by another key, or a replayed one.
func TestAuthlibAppPrivateKeyJWT(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs a real third-party server); go test -short leaves it out")
	}
	authlibVersion(t)
	base := startApp(t)
	key, other := ecKey(t), ecKey(t)
	jwks := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{key.PublicJWK()}}
	reg := post(t, base+"/register", "application/json", "Bearer "+initialAccessToken, map[string]any{
		"redirect_uris": []string{"https://client.example.org/cb"}, "grant_types": []string{"client_credentials"},
		"scope": "read", "token_endpoint_auth_method": "private_key_jwt", "jwks": jwks,
	}, http.StatusCreated)
	clientID, _ := reg["client_id"].(string)
	assertion := func(k joseutil.Key, aud string) string {
		now := time.Now()
		jwt, err := joseutil.Sign(map[string]any{"iss": clientID, "sub": clientID, "aud": aud, "iat": now.Unix(),
			"exp": now.Add(time.Minute).Unix(), "jti": rand.Text()}, k, "JWT")
		if err != nil {
			t.Fatal(err)
		}
		return jwt
	}
	token := func(jwt string, want int) {
		t.Helper()
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}, "client_id": {clientID},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {jwt}}
		post(t, base+"/token", "application/x-www-form-urlencoded", "", form, want)
	}
	good := assertion(key, base+"/token")
	token(good, http.StatusOK)
	token(good, http.StatusBadRequest) // replayed jti
	token(assertion(key, base), http.StatusBadRequest)
	token(assertion(other, base+"/token"), http.StatusBadRequest)
	secret, _ := reg["client_secret"].(string) // Authlib issues one anyway; this client may not use it
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
	req, _ := http.NewRequest(http.MethodPost, base+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	if status, body := do(t, req); status != http.StatusUnauthorized {
		t.Errorf("client_secret_basic for a private_key_jwt client: status %d %s, want 401", status, body)
	}
}

func ecKey(t *testing.T) joseutil.Key {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := joseutil.NewKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	k.KeyID = rand.Text()[:8]
	return k
}

// post sends a JSON object or a form and expects the status; it returns the JSON object answered.
func post(t *testing.T, target, contentType, authorization string, body any, want int) map[string]any {
	t.Helper()
	var b []byte
	if form, ok := body.(url.Values); ok {
		b = []byte(form.Encode())
	} else {
		b, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(http.MethodPost, target, bytes.NewReader(b))
	req.Header.Set("Content-Type", contentType)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	status, respBody := do(t, req)
	if status != want {
		t.Fatalf("POST %s: status %d %s, want %d", target, status, respBody, want)
	}
	var obj map[string]any
	_ = json.Unmarshal(respBody, &obj)
	return obj
}

func do(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, b
}
