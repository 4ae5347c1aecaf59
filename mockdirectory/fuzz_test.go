package mockdirectory

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"
)

var (
	fuzzOnce sync.Once
	fuzzFx   *fixture
	fuzzErr  error
)

// fuzzFixture is an in-memory directory with an organisation and two software, reused by every fuzz
// iteration of a process (its software keys come from the test pool).
func fuzzFixture(f *testing.F) *fixture {
	fuzzOnce.Do(func() {
		var d *Directory
		if d, fuzzErr = New(Config{AdminToken: testToken, KeySource: testKeys}); fuzzErr == nil {
			fuzzFx, fuzzErr = populate(d)
		}
	})
	if fuzzErr != nil {
		f.Fatal(fuzzErr)
	}
	return fuzzFx
}

// fuzzRoutes are the admin calls with a body (key rotation aside: a PS256 key per call is too slow).
func fuzzRoutes(fx *fixture) [][2]string {
	return [][2]string{
		{"POST", "/admin/organisations"},
		{"POST", "/admin/organisations/" + fx.org.ID + "/software"},
		{"POST", "/admin/software"},
		{"PATCH", "/admin/organisations/" + fx.org.ID + "/status"},
		{"PATCH", "/admin/software/" + fx.ecSW.ID},
		{"POST", "/admin/software/" + fx.ecSW.ID + "/ssa"},
		{"POST", "/admin/software/" + fx.rsaSW.ID + "/ssa"},
	}
}

// FuzzAdminAPI sends any body to every admin route with a body: the answer is 2xx, or a 4xx with a JSON
// error body and nothing stored; never a 5xx or a panic.
func FuzzAdminAPI(f *testing.F) {
	fx := fuzzFixture(f)
	routes := fuzzRoutes(fx)
	for i := range routes {
		f.Add(uint8(i), []byte(`{}`))
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		rt := routes[int(route)%len(routes)]
		orgs, sws := len(fx.d.Organisations()), mustCount(fx.d)
		r := httptest.NewRequest(rt[0], rt[1], bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+testToken)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		fx.d.Handler().ServeHTTP(w, r)
		switch w.Code / 100 {
		case 2:
			return
		case 4:
			var e errorBody
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("%s %s: %d without a JSON error: %q", rt[0], rt[1], w.Code, w.Body.String())
			}
			if len(fx.d.Organisations()) != orgs || mustCount(fx.d) != sws {
				t.Fatalf("%s %s: refused with %d, but something was stored", rt[0], rt[1], w.Code)
			}
		default:
			t.Fatalf("%s %s %q: %d %s", rt[0], rt[1], body, w.Code, w.Body.String())
		}
	})
}

func mustCount(d *Directory) int {
	s, _ := d.SoftwareList("")
	return len(s)
}

// FuzzSeed parses any seed file and applies it: an error or a seed applied, never a panic; a refused
// seed stores nothing.
func FuzzSeed(f *testing.F) {
	fx := fuzzFixture(f)
	f.Add([]byte(seedYAML))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Seed
		if err := yaml.UnmarshalStrict(data, &s); err != nil {
			return
		}
		orgs, sws := len(fx.d.Organisations()), mustCount(fx.d)
		if err := fx.d.ApplySeed(s); err != nil && (len(fx.d.Organisations()) != orgs || mustCount(fx.d) != sws) {
			t.Fatalf("seed refused (%v), but something was stored", err)
		}
	})
}
