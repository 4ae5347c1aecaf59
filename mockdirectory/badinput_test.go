package mockdirectory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// repeatReader yields n bytes: prefix, then fill, then suffix, without holding them in memory.
func repeatReader(prefix string, fill byte, n int64, suffix string) io.Reader {
	body := io.LimitReader(readerFunc(func(p []byte) (int, error) {
		for i := range p {
			p[i] = fill
		}
		return len(p), nil
	}), n-int64(len(prefix)+len(suffix)))
	return io.MultiReader(strings.NewReader(prefix), body, strings.NewReader(suffix))
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// TestBadAdminInput (issue 13, item 4): every kind of bad admin input is a 4xx with a JSON error body
// that names the field at fault, and nothing is stored.
func TestBadAdminInput(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, Config{StateDir: dir})
	org, sw := f.org.ID, f.rsaSW.ID
	long := strings.Repeat("x", 10000)
	beforeFiles := listFiles(t, dir)
	beforeOrgs := f.d.Organisations()
	beforeSW, _ := f.d.SoftwareList("")
	beforeKeys := f.d.SigningKeys()

	type tc struct {
		name, method, path, token string
		body                      any // string, []byte or io.Reader
		status                    int
		field                     string
	}
	orgs, sws, ssa := "/admin/organisations", "/admin/organisations/"+org+"/software", "/admin/software/"+sw+"/ssa"
	cases := []tc{
		{"no token", "POST", orgs, "", `{"name":"A"}`, 401, "Authorization"},
		{"wrong token", "POST", orgs, "not-the-token", `{"name":"A"}`, 401, "Authorization"},
		{"no token, CDR SSA", "GET", CDRSSAPath("banking", org, sw), "", nil, 401, "Authorization"},
		{"malformed JSON", "POST", orgs, testToken, `{"name": "A",`, 400, "body"},
		{"not JSON", "POST", orgs, testToken, `name=A`, 400, "body"},
		{"50 MB body", "POST", orgs, testToken, repeatReader(`{"name":"`, 'a', 50<<20, `"}`), 413, "body"},
		{"50 MB SSA options", "POST", ssa, testToken, repeatReader(`{"set":{"x":"`, 'a', 50<<20, `"}}`), 413, "body"},
		{"50 MB, no token", "POST", orgs, "", repeatReader(`{"name":"`, 'a', 50<<20, `"}`), 401, "Authorization"},
		{"unknown field", "POST", orgs, testToken, `{"name":"A","admin":true}`, 400, "admin"},
		{"unknown nested field", "POST", sws, testToken, `{"client_name":"S","private_key":"x"}`, 400, "private_key"},
		{"unknown SSA option", "POST", ssa, testToken, `{"profile":"uk","kid":"x"}`, 400, "kid"},
		{"id with ../", "POST", orgs, testToken, `{"name":"A","id":"../../etc/passwd"}`, 400, "id"},
		{"software id with ../", "POST", sws, testToken, `{"client_name":"S","id":"..%2F.."}`, 400, "id"},
		{"path with ..", "GET", "/admin/organisations/../keys", testToken, nil, 400, "path"},
		{"path with encoded ../", "GET", "/admin/software/..%2F..%2Fkeys", testToken, nil, 400, "path"},
		{"path id with encoded ../", "POST", "/admin/software/" + sw + "%2F..%2F..%2Fx/ssa", testToken, nil, 400, "path"},
		{"key set path with ..", "GET", "/" + org + "/../keystore/openbanking.jwks", "", nil, 400, "path"},
		{"10,000-character name", "POST", orgs, testToken, `{"name":"` + long + `"}`, 400, "name"},
		{"10,000-character id", "POST", orgs, testToken, `{"name":"A","id":"` + long + `"}`, 400, "id"},
		{"10,000-character path id", "GET", "/admin/software/" + long, testToken, nil, 400, "path"},
		{"100-character path id", "GET", "/admin/software/" + long[:100], testToken, nil, 400, "id"},
		{"100-character kid", "POST", "/admin/keys/" + long[:200] + "/retire", testToken, nil, 400, "kid"},
		{"10,000-character redirect URI", "POST", sws, testToken, `{"client_name":"S","redirect_uris":["https://tpp.example/` + long + `"]}`, 400, "redirect_uris[0]"},
		{"10,000-character email", "POST", orgs, testToken, `{"name":"A","contacts":[{"name":"T","type":"Technical","email":"` + long + `@x.example"}]}`, 400, "contacts[0].email"},
		{"10,000-character claim name", "POST", ssa, testToken, `{"set":{"` + long + `":1}}`, 400, "set"},
		{"10,000-character status", "PATCH", "/admin/software/" + sw, testToken, `{"status":"` + long + `"}`, 400, "status"},
		{"10,000-character org_id query", "GET", "/admin/software?org_id=" + long, testToken, nil, 400, "org_id"},
		{"control character in name", "POST", orgs, testToken, `{"name":"a\u0007b"}`, 400, "name"},
		{"NUL in id", "POST", orgs, testToken, `{"name":"A","id":"ab\u0000"}`, 400, "id"},
		{"ANSI escape in client name", "POST", sws, testToken, `{"client_name":"\u001b[31mred"}`, 400, "client_name"},
		{"NUL in redirect URI", "POST", sws, testToken, `{"client_name":"S","redirect_uris":["https://tpp.example/\u0000"]}`, 400, "redirect_uris[0]"},
		{"newline in claim name", "POST", ssa, testToken, `{"set":{"a\nb":1}}`, 400, "set"},
		{"control character in removed claim", "POST", ssa, testToken, `{"remove":["iss\u0001"]}`, 400, "remove[0]"},
		{"invalid UTF-8 in name", "POST", orgs, testToken, []byte("{\"name\":\"a\xffb\"}"), 400, "name"},
		{"NUL in path", "GET", "/admin/software/a%00b", testToken, nil, 400, "path"},
		{"CR LF in path", "GET", "/admin/organisations/a%0d%0aSet-Cookie:x", testToken, nil, 400, "path"},
		{"control character in status", "PATCH", "/admin/organisations/" + org + "/status", testToken, `{"status":"Active\u0000"}`, 400, "status"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rd io.Reader
			switch b := c.body.(type) {
			case string:
				rd = strings.NewReader(b)
			case []byte:
				rd = bytes.NewReader(b)
			case io.Reader:
				rd = b
			}
			req, err := http.NewRequest(c.method, f.srv.URL+c.path, rd)
			if err != nil {
				t.Fatal(err)
			}
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			if rd != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, c.status, b)
			}
			var e errorBody
			if err := json.Unmarshal(b, &e); err != nil || e.Error == "" {
				t.Fatalf("not a JSON error body: %v: %s", err, b)
			}
			if e.Field != c.field || !strings.Contains(e.Error, c.field) {
				t.Errorf("field %q, error %q: want them to name %q", e.Field, e.Error, c.field)
			}
		})
	}
	if after := listFiles(t, dir); !slices.Equal(after, beforeFiles) {
		t.Errorf("state files changed:\nbefore %v\nafter  %v", beforeFiles, after)
	}
	afterSW, _ := f.d.SoftwareList("")
	if !jsonEqual(f.d.Organisations(), beforeOrgs) || !jsonEqual(afterSW, beforeSW) || !jsonEqual(f.d.SigningKeys(), beforeKeys) {
		t.Error("a refused request changed the directory")
	}
}

// TestConcurrentCreates (issue 13, item 4): 200 creates, 20 at a time, lose nothing and duplicate nothing,
// also across a restart: generated ids are unique, an id asked for five times is created once (409 for
// the others), and exactly the 201s are stored.
func TestConcurrentCreates(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, Config{StateDir: dir})
	type req struct{ path, body, name string }
	var reqs []req
	for i := 0; i < 200; i++ {
		name := fmt.Sprintf("concurrent %03d", i)
		switch {
		case i%4 == 3: // software (EC: key generation is quick)
			reqs = append(reqs, req{"/admin/organisations/" + f.org.ID + "/software", fmt.Sprintf(`{"client_name":%q,"key_type":"EC"}`, name), name})
		case i%4 == 2: // ten ids, each asked for five times
			reqs = append(reqs, req{"/admin/organisations", fmt.Sprintf(`{"name":%q,"id":"dup-%d"}`, name, i%40/4), name})
		default:
			reqs = append(reqs, req{"/admin/organisations", fmt.Sprintf(`{"name":%q}`, name), name})
		}
	}
	type result struct {
		req    req
		status int
		id     string
	}
	results := make([]result, len(reqs))
	sem := make(chan struct{}, 20)
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			hr, _ := http.NewRequest("POST", f.srv.URL+r.path, strings.NewReader(r.body))
			hr.Header.Set("Authorization", "Bearer "+testToken)
			hr.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(hr)
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			var created struct{ ID string }
			_ = json.NewDecoder(res.Body).Decode(&created)
			results[i] = result{r, res.StatusCode, created.ID}
		}()
	}
	wg.Wait()

	wantOrgs := map[string]string{f.org.ID: f.org.Name} // id -> name
	wantSW := map[string]string{f.rsaSW.ID: f.rsaSW.ClientName, f.ecSW.ID: f.ecSW.ClientName}
	dupCreated := map[string]int{}
	for _, r := range results {
		isSW := strings.HasSuffix(r.req.path, "/software")
		isDup := strings.Contains(r.req.body, `"id":"dup-`)
		switch {
		case r.status == http.StatusCreated && isSW:
			wantSW[r.id] = r.req.name
		case r.status == http.StatusCreated:
			if _, seen := wantOrgs[r.id]; seen {
				t.Errorf("id %s handed out twice", r.id)
			}
			wantOrgs[r.id] = r.req.name
			if isDup {
				dupCreated[r.id]++
			}
		case r.status == http.StatusConflict && isDup:
		default:
			t.Errorf("POST %s %s: status %d", r.req.path, r.req.body, r.status)
		}
	}
	if len(dupCreated) != 10 {
		t.Errorf("%d of the 10 contested ids created: %v", len(dupCreated), dupCreated)
	}
	check := func(d *Directory, when string) {
		got := map[string]string{}
		for _, o := range d.Organisations() {
			if _, dup := got[o.ID]; dup {
				t.Errorf("%s: organisation %s listed twice", when, o.ID)
			}
			got[o.ID] = o.Name
		}
		if !jsonEqual(got, wantOrgs) {
			t.Errorf("%s: %d organisations stored, %d answered 201 (or the fixture's)", when, len(got), len(wantOrgs))
		}
		sws, _ := d.SoftwareList("")
		gotSW := map[string]string{}
		for _, s := range sws {
			gotSW[s.ID] = s.ClientName
		}
		if len(sws) != len(gotSW) || !jsonEqual(gotSW, wantSW) {
			t.Errorf("%s: %d software stored (%d distinct), %d answered 201 (or the fixture's)", when, len(sws), len(gotSW), len(wantSW))
		}
	}
	check(f.d, "live")
	f.srv.Close()
	f.d.Close()
	d2, err := New(Config{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	check(d2, "after restart")
}
