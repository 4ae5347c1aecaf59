package mockdirectory

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/pki"
)

const testToken = "s3cret-admin-token"

// fixture is a directory served over loopback, with one RSA and one EC software in one organisation.
type fixture struct {
	d     *Directory
	srv   *httptest.Server
	org   Organisation
	rsaSW Software
	ecSW  Software
}

var (
	sharedOnce sync.Once
	shared     *fixture
	sharedErr  error
)

// sharedFixture is an in-memory directory for tests that do not change its keys (RSA key generation is the
// slow part of setting one up under -race).
func sharedFixture(t testing.TB) *fixture {
	t.Helper()
	sharedOnce.Do(func() {
		var d *Directory
		d, sharedErr = New(Config{AdminToken: testToken})
		if sharedErr != nil {
			return
		}
		shared, sharedErr = populate(d)
		if sharedErr == nil {
			shared.srv = httptest.NewServer(d.Handler())
			d.SetBaseURL(shared.srv.URL)
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func populate(d *Directory) (*fixture, error) {
	org, err := d.CreateOrganisation(Organisation{
		Name: "WSO2 (UK) LIMITED",
		Contacts: []Contact{
			{Name: "Technical", Email: "tech@tpp.example", Phone: "+94774274374", Type: "Technical"},
			{Name: "Business", Email: "biz@tpp.example", Phone: "+94774274374", Type: "Business"},
		},
	})
	if err != nil {
		return nil, err
	}
	rsaSW, err := d.CreateSoftware(Software{OrgID: org.ID, ClientName: "TPP RSA", Version: "1.5",
		RedirectURIs: []string{"https://tpp.example/cb"}})
	if err != nil {
		return nil, err
	}
	ecSW, err := d.CreateSoftware(Software{OrgID: org.ID, ClientName: "TPP EC", KeyType: KeyTypeEC, Roles: []string{RoleAISP}})
	if err != nil {
		return nil, err
	}
	return &fixture{d: d, org: org, rsaSW: rsaSW, ecSW: ecSW}, nil
}

var (
	poolOnce sync.Once
	poolKeys []crypto.Signer
	poolNext atomic.Uint64
)

// testKeys is a KeySource handing out 12 pre-generated RSA keys in rotation (fresh EC keys), so that
// fixtures do not spend their time on RSA key generation under -race.
func testKeys(keyType string) (crypto.Signer, error) {
	if keyType == KeyTypeEC {
		return pki.NewECKey()
	}
	poolOnce.Do(func() {
		poolKeys = make([]crypto.Signer, 12)
		var wg sync.WaitGroup
		for i := range poolKeys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, err := pki.NewRSAKey()
				if err != nil {
					panic(err)
				}
				poolKeys[i] = k
			}()
		}
		wg.Wait()
	})
	return poolKeys[(poolNext.Add(1)-1)%uint64(len(poolKeys))], nil
}

// newFixture is a fresh directory (with cfg) served over loopback, closed with the test. Its software
// keys come from testKeys unless cfg says otherwise.
func newFixture(t testing.TB, cfg Config) *fixture {
	t.Helper()
	if cfg.AdminToken == "" {
		cfg.AdminToken = testToken
	}
	if cfg.KeySource == nil {
		cfg.KeySource = testKeys
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	f, err := populate(d)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(d.Handler())
	d.SetBaseURL(f.srv.URL)
	t.Cleanup(f.srv.Close)
	return f
}

// serve serves an existing directory over loopback.
func serve(t testing.TB, d *Directory) *httptest.Server {
	srv := httptest.NewServer(d.Handler())
	d.SetBaseURL(srv.URL)
	t.Cleanup(srv.Close)
	return srv
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) errorBody(t testing.TB) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, r.body)
	}
	if e.Error == "" {
		t.Fatalf("error body without error: %s", r.body)
	}
	return e
}

func do(t testing.TB, base, method, path, token string, body any) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func get(t testing.TB, base, path string) response { return do(t, base, http.MethodGet, path, "", nil) }

// fetchSet GETs a key set and decodes it.
func fetchSet(t testing.TB, base, path string) (jose.JSONWebKeySet, []byte) {
	t.Helper()
	r := get(t, base, path)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(r.body, &set); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return set, r.body
}

func kids(set jose.JSONWebKeySet) []string {
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.KeyID)
	}
	return out
}

func hasKid(set jose.JSONWebKeySet, kid string) bool { return len(set.Key(kid)) > 0 }

// listFiles lists every file under dir (relative paths, sorted).
func listFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// fixedClock is a settable clock.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
