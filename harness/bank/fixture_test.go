package bank

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
)

// RSA key generation is slow: the tests share a few keys.
var (
	rsaOnce sync.Once
	rsaKeys [2]*rsa.PrivateKey
	rsaErr  error
)

func sharedRSAKey(t testing.TB, i int) joseutil.Key {
	t.Helper()
	rsaOnce.Do(func() {
		for n := range rsaKeys {
			if rsaKeys[n], rsaErr = pki.NewRSAKey(); rsaErr != nil {
				return
			}
		}
	})
	if rsaErr != nil {
		t.Fatal(rsaErr)
	}
	k, err := joseutil.NewKey(rsaKeys[i])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newECKey(t testing.TB) joseutil.Key {
	t.Helper()
	ec, err := pki.NewECKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := joseutil.NewKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fixture is a throwaway PKI, a directory signing key and a key server for the directory's and
// each software's key sets. It is safe for parallel subtests.
type fixture struct {
	ca         *pki.CA
	dir        joseutil.Key
	ssaKey     joseutil.Key // a second, ES256 directory key (the fuzz targets sign SSAs with it)
	serverCert tls.Certificate
	keys       *httptest.Server
	seq        atomic.Int64

	mu   sync.Mutex
	sets map[string]jose.JSONWebKeySet // by URL path
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ca, err := pki.NewCA("Test Directory")
	if err != nil {
		t.Fatal(err)
	}
	serverCert, err := ca.IssueServer("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{ca: ca, dir: sharedRSAKey(t, 0), serverCert: serverCert, sets: map[string]jose.JSONWebKeySet{}}
	f.keys = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		set, ok := f.sets[r.URL.Path]
		f.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(f.keys.Close)
	f.publish("/directory.jwks", f.dir)
	return f
}

func (f *fixture) publish(path string, keys ...joseutil.Key) {
	var set jose.JSONWebKeySet
	for _, k := range keys {
		set.Keys = append(set.Keys, k.PublicJWK())
	}
	f.mu.Lock()
	f.sets[path] = set
	f.mu.Unlock()
}

func (f *fixture) config(defects ...string) Config {
	return Config{
		DirectoryJWKSURL:   f.keys.URL + "/directory.jwks",
		ClientCAs:          f.ca.Pool(),
		HTTPClient:         f.keys.Client(),
		Defects:            defects,
		AdminUser:          testAdminUser,
		AdminPassword:      testAdminPassword,
		InitialAccessToken: testInitialToken,
	}
}

// Credentials of the Identity Server and RFC 7591 profiles in tests.
const (
	testAdminUser     = "admin@test"
	testAdminPassword = "admin-password"
	testInitialToken  = "initial-access-token"
)

// startBank serves a bank with the given defects for the rest of the test.
func (f *fixture) startBank(t testing.TB, defects ...string) *Server {
	t.Helper()
	s, err := Start(f.config(defects...), f.serverCert)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// software is a TPP's software: its id, signing key, transport certificate and redirect URIs.
type software struct {
	id, org   string
	key       joseutil.Key
	leaf      *x509.Certificate
	client    *http.Client // mTLS client presenting the transport certificate
	redirects []string
	jwksURL   string
}

// newSoftware makes a software with an ES256 key, or the shared RSA (PS256) key if rsaKey.
func (f *fixture) newSoftware(t testing.TB, rsaKey bool) *software {
	t.Helper()
	n := f.seq.Add(1)
	sw := &software{
		id:        fmt.Sprintf("Software%03dAbCdEf", n),
		org:       fmt.Sprintf("0015800001Org%03d", n),
		redirects: []string{"https://tpp.example/cb", "https://tpp.example/cb2", "http://tpp.example/plain"},
	}
	if rsaKey {
		sw.key = sharedRSAKey(t, 1)
	} else {
		sw.key = newECKey(t)
	}
	path := "/" + sw.org + "/" + sw.id + ".jwks"
	f.publish(path, sw.key)
	sw.jwksURL = f.keys.URL + path
	transportKey, err := pki.NewECKey()
	if err != nil {
		t.Fatal(err)
	}
	sw.leaf, err = f.ca.IssueClient(pkix.Name{CommonName: sw.id, OrganizationalUnit: []string{sw.org},
		Organization: []string{"OpenBanking"}, Country: []string{"GB"}}, transportKey)
	if err != nil {
		t.Fatal(err)
	}
	cert := f.ca.TLSCertificate(sw.leaf, transportKey)
	sw.client = f.httpClient(t, &cert)
	return sw
}

// httpClient trusts the bank's CA and presents cert, if any.
func (f *fixture) httpClient(t testing.TB, cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{RootCAs: f.ca.Pool(), MinVersion: tls.VersionTLS12}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	tr := &http.Transport{TLSClientConfig: cfg}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// ssaClaims are a valid UK SSA for sw.
func (f *fixture) ssaClaims(sw *software) map[string]any {
	return map[string]any{
		"iss": "OpenBanking Ltd", "iat": time.Now().Unix(), "jti": fmt.Sprint("ssa-", f.seq.Add(1)),
		"software_environment": "sandbox", "software_mode": "Test",
		"software_id": sw.id, "software_client_id": sw.id, "software_client_name": "TPP " + sw.id,
		"software_redirect_uris": sw.redirects, "software_roles": []string{"AISP", "PISP"},
		"software_jwks_endpoint": sw.jwksURL,
		"org_id":                 sw.org, "org_name": "TPP Ltd", "org_status": "Active",
	}
}

// requestClaims are a valid registration request for sw at issuer, without its software_statement.
func requestClaims(sw *software, issuer string) map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": sw.id, "aud": issuer, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"jti":                             fmt.Sprint("req-", now.UnixNano()),
		"redirect_uris":                   []string{"https://tpp.example/cb"},
		"token_endpoint_auth_method":      "private_key_jwt",
		"token_endpoint_auth_signing_alg": string(sw.key.Alg),
		"grant_types":                     []string{"authorization_code", "client_credentials", "refresh_token"},
		"response_types":                  []string{"code id_token"},
		"application_type":                "web",
		"id_token_signed_response_alg":    "PS256",
		"request_object_signing_alg":      "PS256",
		"scope":                           "openid accounts payments",
		"software_id":                     sw.id,
	}
}

func mustSign(t testing.TB, claims any, k joseutil.Key) string {
	t.Helper()
	token, err := joseutil.Sign(claims, k, "JWT")
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// editFunc edits the SSA claims and request claims of a registration before signing. It may set
// req["software_statement"] itself (or delete it); left nil, the SSA is signed by the directory.
type editFunc func(ssa, req map[string]any)

// requestJWT is a registration request for sw, signed by sw's key.
func (f *fixture) requestJWT(t testing.TB, sw *software, issuer string, edit editFunc) string {
	t.Helper()
	return mustSign(t, f.requestPayload(t, sw, issuer, edit), sw.key)
}

func (f *fixture) requestPayload(t testing.TB, sw *software, issuer string, edit editFunc) map[string]any {
	t.Helper()
	ssa, req := f.ssaClaims(sw), requestClaims(sw, issuer)
	req["jti"] = fmt.Sprint("req-", f.seq.Add(1))
	req["software_statement"] = nil
	if edit != nil {
		edit(ssa, req)
	}
	if v, ok := req["software_statement"]; ok && v == nil {
		req["software_statement"] = mustSign(t, ssa, f.dir)
	}
	return req
}

// result is a bank's answer.
type result struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// outcome summarises r as "<status>" or "<status> <error code>".
func (r result) outcome() string {
	if code, ok := r.body["error"].(string); ok {
		return fmt.Sprintf("%d %s", r.status, code)
	}
	return fmt.Sprint(r.status)
}

func do(t testing.TB, c *http.Client, method, url, contentType, token string, body io.Reader) result {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := result{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func register(t testing.TB, s *Server, c *http.Client, body string) result {
	t.Helper()
	return do(t, c, http.MethodPost, s.URL+registerPath, "application/jwt", "", strings.NewReader(body))
}

// mustRegister registers sw (edited) and returns its client_id.
func (f *fixture) mustRegister(t testing.TB, s *Server, sw *software, edit editFunc) string {
	t.Helper()
	r := register(t, s, sw.client, f.requestJWT(t, sw, s.URL, edit))
	id, _ := r.body["client_id"].(string)
	if r.status != http.StatusCreated || id == "" {
		t.Fatalf("registration: %s %s", r.outcome(), r.raw)
	}
	return id
}

// assertion is a valid private_key_jwt client assertion for clientID at s.
func assertion(s *Server, clientID string) map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": clientID, "sub": clientID, "aud": s.URL + tokenPath, "iat": now.Unix(),
		"exp": now.Add(time.Minute).Unix(), "jti": fmt.Sprint("as-", now.UnixNano()),
	}
}

// tokenForm is a client_credentials request authenticated by signedAssertion.
func tokenForm(clientID, signedAssertion string) url.Values {
	return url.Values{
		"grant_type": {"client_credentials"}, "client_id": {clientID}, "scope": {"accounts"},
		"client_assertion_type": {jwtBearerAssertionType}, "client_assertion": {signedAssertion},
	}
}

func requestToken(t testing.TB, s *Server, c *http.Client, form url.Values) result {
	t.Helper()
	return do(t, c, http.MethodPost, s.URL+tokenPath, "application/x-www-form-urlencoded", "", strings.NewReader(form.Encode()))
}

// mustToken gets an access token for the private_key_jwt client clientID of sw.
func mustToken(t testing.TB, s *Server, sw *software, clientID string) string {
	t.Helper()
	r := requestToken(t, s, sw.client, tokenForm(clientID, mustSign(t, assertion(s, clientID), sw.key)))
	tok, _ := r.body["access_token"].(string)
	if r.status != http.StatusOK || tok == "" {
		t.Fatalf("token: %s %s", r.outcome(), r.raw)
	}
	return tok
}

func manage(t testing.TB, s *Server, c *http.Client, method, clientID, token string, body string) result {
	t.Helper()
	ct := ""
	if body != "" {
		ct = "application/jwt"
	}
	return do(t, c, method, s.URL+registerPath+"/"+clientID, ct, token, strings.NewReader(body))
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sprint(v any) string { return fmt.Sprint(v) }

// requestSSA is the software_statement a signed registration request carries.
func requestSSA(t testing.TB, requestJWT string) string {
	t.Helper()
	claims, ok := decodedClaims(requestJWT).(map[string]any)
	if !ok {
		t.Fatalf("the request %.40s… does not decode", requestJWT)
	}
	ssa, _ := claims["software_statement"].(string)
	return ssa
}

// untrustedX5C is an x5c header value for key: its certificate, issued by a CA no bank trusts, and that CA.
func untrustedX5C(t testing.TB, key joseutil.Key) []string {
	t.Helper()
	ca, err := pki.NewCA("untrusted")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.IssueSigning(pkix.Name{CommonName: "rogue"}, key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	return []string{base64.StdEncoding.EncodeToString(cert.Raw), base64.StdEncoding.EncodeToString(ca.Issuing.Raw)}
}
