package bank

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// serveInProcess posts body to the bank's handler as if over mTLS with sw's verified certificate.
func serveInProcess(b *Bank, sw *software, method, path, contentType, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "https://bank.example"+path, strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{sw.leaf}, VerifiedChains: [][]*x509.Certificate{{sw.leaf}}}
	w := httptest.NewRecorder()
	b.Handler().ServeHTTP(w, r)
	return w
}

// checkAnswer fails unless w is a success or a 4xx with a JSON error object.
func checkAnswer(t testing.TB, w *httptest.ResponseRecorder, what string) {
	t.Helper()
	if w.Code/100 == 2 {
		return
	}
	var e map[string]any
	if w.Code/100 != 4 || json.Unmarshal(w.Body.Bytes(), &e) != nil || e["error"] == nil {
		t.Errorf("%s: %d %s", what, w.Code, w.Body.String())
	}
}

// Every claim of the request and of the SSA, set to a value of the wrong type, gets a JSON 4xx (or
// is harmless), never a 500.
func TestWrongClaimTypes(t *testing.T) {
	f := newFixture(t)
	b, err := New(f.config())
	if err != nil {
		t.Fatal(err)
	}
	b.SetIssuer("https://bank.example")
	weird := []any{nil, 42, 1e300, -1, true, []any{1, "x"}, map[string]any{"a": 1}, "", strings.Repeat("é", 100)}
	sw := f.newSoftware(t, false)
	ssaNames, reqNames := f.ssaClaims(sw), requestClaims(sw, "")
	reqNames["software_statement"] = ""
	for _, inSSA := range []bool{false, true} {
		names := reqNames
		if inSSA {
			names = ssaNames
		}
		for name := range names {
			for _, v := range weird {
				body := f.requestJWT(t, sw, "https://bank.example", func(ssa, req map[string]any) {
					if inSSA {
						ssa[name] = v
					} else {
						req[name] = v
					}
				})
				w := serveInProcess(b, sw, http.MethodPost, registerPath, "application/jwt", body)
				checkAnswer(t, w, name+"="+mustJSON(t, v))
				if w.Code == http.StatusCreated {
					b.store = newStore() // let the software register again
				}
			}
		}
	}
}

func FuzzRegistrationBody(f *testing.F) {
	for _, seed := range []string{
		"", ".", "..", "a.b.c", "e30.e30.", "e30.W10.", "bnVsbA.bnVsbA.", "eyJhbGciOiJub25lIn0.e30.",
		`{"software_statement":1}`, strings.Repeat("A", 1000), "eyJhbGciOiJQUzI1NiJ9.eyJhdWQiOjF9.AAAA",
		"eyJhbGciOiJQUzI1NiJ9.eyJzb2Z0d2FyZV9zdGF0ZW1lbnQiOiJhLmIuYyJ9.AAAA",
	} {
		f.Add(seed, "application/jwt")
	}
	f.Add(`{"redirect_uris":7}`, "application/json")
	fx := newFixture(f)
	sw := fx.newSoftware(f, false)
	b, err := New(Config{DirectoryJWKSURL: fx.keys.URL + "/directory.jwks", HTTPClient: fx.keys.Client(),
		Defects: []string{"accept-json-body", "skip-ssa-signature"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body, contentType string) {
		for _, path := range []string{registerPath, tokenPath} {
			checkAnswer(t, serveInProcess(b, sw, http.MethodPost, path, contentType, body), path)
		}
	})
}
