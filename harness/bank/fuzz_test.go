package bank

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

// fuzzBank is a bank whose every outbound connection goes to the fixture's key server, whatever host a
// fuzzed claim names: fuzzing never leaves the machine nor waits on a dial.
func fuzzBank(f testing.TB, fx *fixture) *Bank {
	tr := fx.keys.Client().Transport.(*http.Transport).Clone()
	keys := fx.keys.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{Timeout: time.Second}).DialContext(ctx, network, keys)
	}
	tr.TLSClientConfig.InsecureSkipVerify = true // any host name a claim gives reaches the key server
	// SSAs are signed with an ES256 directory key published beside the fixture's PS256 one: an EC signature
	// costs a fraction of an RSA one, so the fuzzer tries far more claims (the claims are what it explores).
	fx.ssaKey = newECKey(f)
	fx.publish("/directory.jwks", fx.dir, fx.ssaKey)
	cfg := fx.config()
	cfg.HTTPClient = &http.Client{Transport: tr, Timeout: 5 * time.Second}
	b, err := New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	b.SetIssuer("https://bank.example")
	return b
}

// signRaw signs payload bytes as they are (go-jose signs any bytes, JSON or not).
func signRaw(t testing.TB, payload []byte, k joseutil.Key) string {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: k.Alg, Key: k.Signer},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), k.KeyID))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// expand fills the placeholders of a fuzzed template: $SW (software id), $ORG, $JWKS (the software's key
// set URL), $NOW and $EXP (Unix times), $JTI (fresh each call), $SSA (a valid SSA), $AUD (the bank's issuer).
func expand(tmpl []byte, sw *software, ssa string, n int64) []byte {
	now := time.Now()
	for _, r := range [][2]string{
		{"$SW", sw.id}, {"$ORG", sw.org}, {"$JWKS", sw.jwksURL}, {"$NOW", strconv.FormatInt(now.Unix(), 10)},
		{"$EXP", strconv.FormatInt(now.Add(5*time.Minute).Unix(), 10)}, {"$JTI", fmt.Sprint("fuzz-", n)},
		{"$SSA", ssa}, {"$AUD", "https://bank.example"},
	} {
		tmpl = bytes.ReplaceAll(tmpl, []byte(r[0]), []byte(r[1]))
	}
	return tmpl
}

// A valid SSA and registration request as templates (the seeds of the corpus in testdata/fuzz).
const (
	ssaTemplate = `{"iss":"OpenBanking Ltd","iat":$NOW,"jti":"$JTI","software_environment":"sandbox","software_mode":"Test",` +
		`"software_id":"$SW","software_client_id":"$SW","software_client_name":"TPP","software_redirect_uris":["https://tpp.example/cb"],` +
		`"software_roles":["AISP","PISP"],"software_jwks_endpoint":"$JWKS","software_status":"Active","org_id":"$ORG","org_name":"TPP Ltd","org_status":"Active"}`
	requestTemplate = `{"iss":"$SW","aud":"$AUD","iat":$NOW,"exp":$EXP,"jti":"$JTI","redirect_uris":["https://tpp.example/cb"],` +
		`"token_endpoint_auth_method":"private_key_jwt","token_endpoint_auth_signing_alg":"ES256",` +
		`"grant_types":["authorization_code","client_credentials","refresh_token"],"response_types":["code id_token"],` +
		`"application_type":"web","id_token_signed_response_alg":"PS256","request_object_signing_alg":"PS256",` +
		`"scope":"openid accounts payments","software_id":"$SW","software_statement":"$SSA"}`
)

// FuzzSSAClaims: any SSA payload, validly signed by the directory, in an otherwise valid registration
// request: the bank answers 2xx or a 4xx JSON error, never a 5xx, a panic or a hang.
func FuzzSSAClaims(f *testing.F) {
	f.Add([]byte(ssaTemplate))
	fx := newFixture(f)
	sw := fx.newSoftware(f, false)
	b := fuzzBank(f, fx)
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, payload []byte) {
		i := n.Add(1)
		ssa := signRaw(t, expand(payload, sw, "", i), fx.ssaKey)
		req := signRaw(t, expand([]byte(requestTemplate), sw, ssa, i), sw.key)
		w := serveInProcess(b, sw, http.MethodPost, registerPath, "application/jwt", req)
		checkAnswer(t, w, "SSA "+string(payload))
		if w.Code == http.StatusCreated {
			b.store = newStore()
		}
	})
}

// FuzzRequestClaims: any registration request payload, validly signed by the software, around a valid
// SSA ($SSA): 2xx or a 4xx JSON error, never a 5xx, a panic or a hang.
func FuzzRequestClaims(f *testing.F) {
	f.Add([]byte(requestTemplate))
	fx := newFixture(f)
	sw := fx.newSoftware(f, false)
	b := fuzzBank(f, fx)
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, payload []byte) {
		i := n.Add(1)
		ssa := signRaw(t, expand([]byte(ssaTemplate), sw, "", i), fx.ssaKey)
		req := signRaw(t, expand(payload, sw, ssa, i), sw.key)
		w := serveInProcess(b, sw, http.MethodPost, registerPath, "application/jwt", req)
		checkAnswer(t, w, "request "+string(payload))
		if w.Code == http.StatusCreated {
			b.store = newStore()
		}
	})
}

// The fuzz templates, through the fuzz targets' bank, are a registration it accepts, so that fuzzing starts
// deep in its checks.
func TestFuzzTemplatesRegister(t *testing.T) {
	fx := newFixture(t)
	sw := fx.newSoftware(t, false)
	b := fuzzBank(t, fx)
	ssa := signRaw(t, expand([]byte(ssaTemplate), sw, "", 1), fx.ssaKey)
	req := signRaw(t, expand([]byte(requestTemplate), sw, ssa, 1), sw.key)
	if w := serveInProcess(b, sw, http.MethodPost, registerPath, "application/jwt", req); w.Code != http.StatusCreated {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}
