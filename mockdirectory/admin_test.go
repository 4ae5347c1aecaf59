package mockdirectory

import (
	"crypto"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
)

func TestAdminAuth(t *testing.T) {
	f := sharedFixture(t)
	calls := []struct{ method, path string }{
		{"GET", "/admin/organisations"},
		{"POST", "/admin/organisations"},
		{"GET", "/admin/organisations/" + f.org.ID},
		{"PATCH", "/admin/organisations/" + f.org.ID},
		{"GET", "/admin/software"},
		{"GET", "/admin/software/" + f.rsaSW.ID},
		{"POST", "/admin/software/" + f.rsaSW.ID + "/ssa"},
		{"GET", "/admin/software/" + f.rsaSW.ID + "/signing-key.pem"},
		{"GET", "/admin/software/" + f.rsaSW.ID + "/transport-key.pem"},
		{"POST", "/admin/keys/rotate"},
		{"GET", "/admin/no-such-route"},
		{"GET", "/admin"},
		{"GET", CDRSSAPath("banking", f.org.ID, f.rsaSW.ID)},
	}
	// A directory without an admin token refuses every admin call, whatever the token.
	noAdmin, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	noAdminSrv := serve(t, noAdmin)
	for _, c := range calls {
		for _, tc := range []struct {
			name, base, token string
		}{
			{"no token", f.srv.URL, ""},
			{"wrong token", f.srv.URL, "wrong"},
			{"token prefix", f.srv.URL, testToken[:5]},
			{"token suffix", f.srv.URL, testToken + "x"},
			{"admin disabled", noAdminSrv.URL, testToken},
			{"admin disabled, empty", noAdminSrv.URL, ""},
		} {
			r := do(t, tc.base, c.method, c.path, tc.token, `{"name":"x"}`)
			if r.status != http.StatusUnauthorized {
				t.Errorf("%s %s (%s): status %d, want 401: %s", c.method, c.path, tc.name, r.status, r.body)
				continue
			}
			r.errorBody(t)
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %s (%s): WWW-Authenticate %q", c.method, c.path, tc.name, r.header.Get("WWW-Authenticate"))
			}
		}
	}
	// Other schemes are refused too.
	req, _ := http.NewRequest("GET", f.srv.URL+"/admin/organisations", nil)
	req.SetBasicAuth("admin", testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("basic auth: status %d, want 401", res.StatusCode)
	}
	// Nothing was created by the refused POSTs.
	if n := len(f.d.Organisations()); n != 1 {
		t.Errorf("%d organisations after refused calls, want 1", n)
	}
	// The right token passes; the scheme is case-insensitive.
	if r := do(t, f.srv.URL, "GET", "/admin/organisations", testToken, nil); r.status != http.StatusOK {
		t.Errorf("right token: %d %s", r.status, r.body)
	}
	req, _ = http.NewRequest("GET", f.srv.URL+"/admin/organisations", nil)
	req.Header.Set("Authorization", "bearer "+testToken)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("lower-case bearer: %v %v", err, res.Status)
	} else {
		res.Body.Close()
	}
	// Public endpoints need no token.
	for _, p := range []string{DirectoryJWKSPath, CDRJWKSPath, CABundlePath, OrgJWKSPath(f.org.ID), "/healthz"} {
		if r := get(t, f.srv.URL, p); r.status != http.StatusOK {
			t.Errorf("GET %s: %d", p, r.status)
		}
	}
}

func TestAdminValidation(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, Config{StateDir: dir})
	org, sw := f.org.ID, f.rsaSW.ID
	aispOnly, err := f.d.CreateOrganisation(Organisation{Name: "AISP only", Roles: []string{RoleAISP}})
	if err != nil {
		t.Fatal(err)
	}
	before := listFiles(t, dir)
	orgsBefore := f.d.Organisations()
	swBefore, _ := f.d.SoftwareList("")
	ssaOpts := "/admin/software/" + sw + "/ssa"

	cases := []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		// organisations
		{"org unknown field", "POST", "/admin/organisations", `{"name":"A","colour":"red"}`, 400, "colour"},
		{"org no name", "POST", "/admin/organisations", `{"status":"Active"}`, 400, "name"},
		{"org empty name", "POST", "/admin/organisations", `{"name":""}`, 400, "name"},
		{"org blank name", "POST", "/admin/organisations", `{"name":"   "}`, 400, "name"},
		{"org control chars", "POST", "/admin/organisations", `{"name":"a\u0000b"}`, 400, "name"},
		{"org long name", "POST", "/admin/organisations", `{"name":"` + strings.Repeat("n", 300) + `"}`, 400, "name"},
		{"org bad status", "POST", "/admin/organisations", `{"name":"A","status":"Enabled"}`, 400, "status"},
		{"org lower-case status", "POST", "/admin/organisations", `{"name":"A","status":"active"}`, 400, "status"},
		{"org unknown role", "POST", "/admin/organisations", `{"name":"A","roles":["AISP","XYZ"]}`, 400, "roles[1]"},
		{"org duplicate role", "POST", "/admin/organisations", `{"name":"A","roles":["AISP","AISP"]}`, 400, "roles[1]"},
		{"org empty roles", "POST", "/admin/organisations", `{"name":"A","roles":[]}`, 400, "roles"},
		{"org roles not array", "POST", "/admin/organisations", `{"name":"A","roles":"AISP"}`, 400, "roles"},
		{"org name not string", "POST", "/admin/organisations", `{"name":42}`, 400, "name"},
		{"org bad id", "POST", "/admin/organisations", `{"name":"A","id":"../etc"}`, 400, "id"},
		{"org reserved id", "POST", "/admin/organisations", `{"name":"A","id":"keystore"}`, 400, "id"},
		{"org duplicate id", "POST", "/admin/organisations", `{"name":"A","id":"` + org + `"}`, 409, "id"},
		{"org id of a software", "POST", "/admin/organisations", `{"name":"A","id":"` + sw + `"}`, 409, "id"},
		{"contact bad email", "POST", "/admin/organisations", `{"name":"A","contacts":[{"name":"T","email":"nope","type":"Technical"}]}`, 400, "contacts[0].email"},
		{"contact no email", "POST", "/admin/organisations", `{"name":"A","contacts":[{"name":"T","type":"Technical"}]}`, 400, "contacts[0].email"},
		{"contact bad type", "POST", "/admin/organisations", `{"name":"A","contacts":[{"name":"T","email":"a@b.example","type":"Boss"}]}`, 400, "contacts[0].type"},
		{"contact bad phone", "POST", "/admin/organisations", `{"name":"A","contacts":[{"name":"T","email":"a@b.example","type":"Business","phone":"call me"}]}`, 400, "contacts[0].phone"},
		{"contact no name", "POST", "/admin/organisations", `{"name":"A","contacts":[{"email":"a@b.example","type":"Business"}]}`, 400, "contacts[0].name"},
		{"contact unknown field", "POST", "/admin/organisations", `{"name":"A","contacts":[{"name":"T","email":"a@b.example","type":"Business","fax":"1"}]}`, 400, "fax"},
		{"authorisation bad state", "POST", "/admin/organisations", `{"name":"A","authorisations":[{"member_state":"gb","roles":["AISP"]}]}`, 400, "authorisations[0].member_state"},
		{"authorisation bad role", "POST", "/admin/organisations", `{"name":"A","authorisations":[{"member_state":"GB","roles":["ZZZ"]}]}`, 400, "authorisations[0].roles[0]"},
		{"malformed JSON", "POST", "/admin/organisations", `{"name":`, 400, "body"},
		{"syntax error", "POST", "/admin/organisations", `{"name" "A"}`, 400, "body"},
		{"empty body", "POST", "/admin/organisations", ``, 400, "body"},
		{"array body", "POST", "/admin/organisations", `[]`, 400, "body"},
		{"trailing data", "POST", "/admin/organisations", `{"name":"A"} {"name":"B"}`, 400, "body"},
		{"too large", "POST", "/admin/organisations", `{"name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, 413, "body"},
		// software
		{"sw http redirect", "POST", "/admin/organisations/" + org + "/software", `{"client_name":"S","redirect_uris":["http://tpp.example/cb"]}`, 400, "redirect_uris[0]"},
		{"sw relative redirect", "POST", "/admin/organisations/" + org + "/software", `{"client_name":"S","redirect_uris":["https://ok.example/cb","/cb"]}`, 400, "redirect_uris[1]"},
		{"sw redirect fragment", "POST", "/admin/organisations/" + org + "/software", `{"client_name":"S","redirect_uris":["https://tpp.example/cb#x"]}`, 400, "redirect_uris[0]"},
		{"sw redirect duplicate", "POST", "/admin/organisations/" + org + "/software", `{"client_name":"S","redirect_uris":["https://a.example/cb","https://a.example/cb"]}`, 400, "redirect_uris[1]"},
		{"sw unknown role", "POST", "/admin/organisations/" + org + "/software", `{"client_name":"S","roles":["AISP","BANK"]}`, 400, "roles[1]"},
		{"sw role not held", "POST", "/admin/organisations/" + aispOnly.ID + "/software", `{"client_name":"S","roles":["PISP"]}`, 400, "roles[0]"},
		{"sw no name", "POST", "/admin/organisations/" + org + "/software", `{"roles":["AISP"]}`, 400, "client_name"},
		{"sw empty name", "POST", "/admin/organisations/" + org + "/software", `{"client_name":""}`, 400, "client_name"},
		{"sw bad status", "POST", "/admin/organisations/" + org + "/software", `{"client_name":"S","status":"Live"}`, 400, "status"},
		{"sw bad key type", "POST", "/admin/organisations/" + org + "/software", `{"client_name":"S","key_type":"DSA"}`, 400, "key_type"},
		{"sw bad client uri", "POST", "/admin/organisations/" + org + "/software", `{"client_name":"S","client_uri":"ftp://x.example"}`, 400, "client_uri"},
		{"sw bad logo uri", "POST", "/admin/organisations/" + org + "/software", `{"client_name":"S","logo_uri":"https://"}`, 400, "logo_uri"},
		{"sw bad environment", "POST", "/admin/organisations/" + org + "/software", `{"client_name":"S","environment":"sand box"}`, 400, "environment"},
		{"sw unknown field", "POST", "/admin/organisations/" + org + "/software", `{"client_name":"S","keys":[]}`, 400, "keys"},
		{"sw org mismatch", "POST", "/admin/organisations/" + org + "/software", `{"client_name":"S","org_id":"` + aispOnly.ID + `"}`, 400, "org_id"},
		{"sw no org", "POST", "/admin/software", `{"client_name":"S"}`, 400, "org_id"},
		{"sw unknown org", "POST", "/admin/software", `{"client_name":"S","org_id":"nope"}`, 400, "org_id"},
		{"sw duplicate id", "POST", "/admin/software", `{"client_name":"S","org_id":"` + org + `","id":"` + sw + `"}`, 409, "id"},
		{"sw id of an org", "POST", "/admin/software", `{"client_name":"S","org_id":"` + org + `","id":"` + org + `"}`, 409, "id"},
		{"sw bad id", "POST", "/admin/software", `{"client_name":"S","org_id":"` + org + `","id":"a b"}`, 400, "id"},
		{"sw under unknown org", "POST", "/admin/organisations/nope/software", `{"client_name":"S"}`, 404, ""},
		// statuses
		{"org status bad", "PATCH", "/admin/organisations/" + org, `{"status":"Gone"}`, 400, "status"},
		{"org status missing", "PATCH", "/admin/organisations/" + org, `{}`, 400, "status"},
		{"org status extra", "PATCH", "/admin/organisations/" + org + "/status", `{"status":"Revoked","name":"X"}`, 400, "name"},
		{"org status unknown org", "PATCH", "/admin/organisations/nope", `{"status":"Revoked"}`, 404, ""},
		{"sw status bad", "PATCH", "/admin/software/" + sw, `{"status":"revoked"}`, 400, "status"},
		{"sw status not string", "PATCH", "/admin/software/" + sw + "/status", `{"status":1}`, 400, "status"},
		{"sw status unknown sw", "PATCH", "/admin/software/nope", `{"status":"Revoked"}`, 404, ""},
		// SSAs
		{"ssa bad profile", "POST", ssaOpts, `{"profile":"br"}`, 400, "profile"},
		{"ssa bad alg", "POST", ssaOpts, `{"alg":"RS256"}`, 400, "alg"},
		{"ssa bad break", "POST", ssaOpts, `{"break":"everything"}`, 400, "break"},
		{"ssa status break on cdr", "POST", ssaOpts, `{"profile":"cdr","break":"software-revoked"}`, 400, "break"},
		{"ssa remove unknown claim", "POST", ssaOpts, `{"remove":["iss","no_such_claim"]}`, 400, "remove[1]"},
		{"ssa remove empty", "POST", ssaOpts, `{"remove":[""]}`, 400, "remove[0]"},
		{"ssa set empty name", "POST", ssaOpts, `{"set":{"":1}}`, 400, "set"},
		{"ssa unknown field", "POST", ssaOpts, `{"breaks":"alg-none"}`, 400, "breaks"},
		{"ssa unknown software", "POST", "/admin/software/nope/ssa", `{}`, 404, ""},
		// keys
		{"rotate bad alg", "POST", "/admin/keys/rotate", `{"alg":"HS256"}`, 400, "alg"},
		{"rotate unknown field", "POST", "/admin/keys/rotate", `{"kty":"RSA"}`, 400, "kty"},
		{"retire unknown", "POST", "/admin/keys/nope/retire", ``, 404, ""},
		{"revoke unknown kid", "POST", "/admin/software/" + sw + "/keys/nope/revoke", ``, 404, ""},
		{"revoke unknown software", "POST", "/admin/software/nope/keys/nope/revoke", ``, 404, ""},
		{"pem unknown software", "GET", "/admin/software/nope/signing.pem", ``, 404, ""},
		{"get unknown org", "GET", "/admin/organisations/nope", ``, 404, ""},
		{"get unknown software", "GET", "/admin/software/nope", ``, 404, ""},
		{"list unknown org", "GET", "/admin/organisations/nope/software", ``, 404, ""},
		{"wrong method", "DELETE", "/admin/organisations", ``, 405, ""},
		{"unknown route", "GET", "/admin/things", ``, 404, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.body != "" {
				body = c.body
			}
			r := do(t, f.srv.URL, c.method, c.path, testToken, body)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			e := r.errorBody(t)
			if e.Field != c.field {
				t.Errorf("field %q, want %q (error %q)", e.Field, c.field, e.Error)
			}
			if c.field != "" && !strings.Contains(e.Error, c.field) {
				t.Errorf("error %q does not name the field %q", e.Error, c.field)
			}
		})
	}
	// Wrong Content-Type.
	req, _ := http.NewRequest("POST", f.srv.URL+"/admin/organisations", strings.NewReader(`{"name":"A"}`))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "text/plain")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain body: %d, want 415", res.StatusCode)
	}

	// Nothing was half-written: same records, same statuses, same files.
	if got := f.d.Organisations(); !jsonEqual(got, orgsBefore) {
		t.Errorf("organisations changed:\n%v\n%v", got, orgsBefore)
	}
	if got, _ := f.d.SoftwareList(""); !jsonEqual(got, swBefore) {
		t.Errorf("software changed")
	}
	if after := listFiles(t, dir); !slices.Equal(after, before) {
		t.Errorf("state files changed:\nbefore %v\nafter  %v", before, after)
	}
	if n := len(f.d.SigningKeys()); n != 2 {
		t.Errorf("%d directory keys, want 2", n)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestGoAPIValidation checks that the Go API validates as the admin API does.
func TestGoAPIValidation(t *testing.T) {
	f := sharedFixture(t)
	n := len(f.d.Organisations())
	_, err := f.d.CreateOrganisation(Organisation{Name: "X", Status: "Bogus"})
	var ve *ValidationError
	if !asValidation(err, &ve) || ve.Field != "status" {
		t.Errorf("bad status: %v", err)
	}
	_, err = f.d.CreateSoftware(Software{OrgID: f.org.ID, ClientName: "S", RedirectURIs: []string{"http://x.example"}})
	if !asValidation(err, &ve) || ve.Field != "redirect_uris[0]" {
		t.Errorf("http redirect: %v", err)
	}
	if err := f.d.SetSoftwareStatus(f.rsaSW.ID, "Deleted"); !asValidation(err, &ve) || ve.Field != "status" {
		t.Errorf("bad software status: %v", err)
	}
	if err := f.d.SetOrganisationStatus("nope", StatusActive); !isNotFound(err) {
		t.Errorf("unknown org: %v", err)
	}
	if _, err := f.d.IssueSSA("nope", SSAOptions{}); !isNotFound(err) {
		t.Errorf("unknown software: %v", err)
	}
	if len(f.d.Organisations()) != n {
		t.Error("a rejected organisation was stored")
	}
}

func TestAdminFlow(t *testing.T) {
	f := newFixture(t, Config{})
	base := f.srv.URL
	r := do(t, base, "POST", "/admin/organisations", testToken, Organisation{
		Name:     "Example TPP",
		Contacts: []Contact{{Name: "Ops", Email: "ops@tpp.example", Type: "Technical"}},
	})
	if r.status != http.StatusCreated {
		t.Fatalf("create org: %d %s", r.status, r.body)
	}
	var org Organisation
	mustJSON(t, r.body, &org)
	if len(org.ID) != 18 || org.Status != StatusActive || r.header.Get("Location") != "/admin/organisations/"+org.ID {
		t.Errorf("created org %+v, Location %q", org, r.header.Get("Location"))
	}
	r = do(t, base, "POST", "/admin/organisations/"+org.ID+"/software", testToken, map[string]any{
		"client_name": "Example App", "roles": []string{"AISP"}, "redirect_uris": []string{"https://tpp.example/cb"}, "key_type": "EC",
	})
	if r.status != http.StatusCreated {
		t.Fatalf("create software: %d %s", r.status, r.body)
	}
	var sw Software
	mustJSON(t, r.body, &sw)
	if len(sw.ID) != 22 || sw.OrgID != org.ID || sw.KeyType != KeyTypeEC {
		t.Errorf("created software %+v", sw)
	}
	r = do(t, base, "POST", "/admin/software", testToken, map[string]any{"client_name": "Second", "org_id": org.ID, "id": "Software_78"})
	if r.status != http.StatusCreated {
		t.Fatalf("create software by body: %d %s", r.status, r.body)
	}
	r = do(t, base, "GET", "/admin/organisations/"+org.ID+"/software", testToken, nil)
	var list struct{ Software []Software }
	mustJSON(t, r.body, &list)
	if len(list.Software) != 2 || list.Software[0].ID != sw.ID || list.Software[1].ID != "Software_78" {
		t.Errorf("software list %+v", list)
	}
	r = do(t, base, "GET", "/admin/software?org_id="+org.ID, testToken, nil)
	mustJSON(t, r.body, &list)
	if len(list.Software) != 2 {
		t.Errorf("software list by query: %s", r.body)
	}
	r = do(t, base, "GET", "/admin/organisations", testToken, nil)
	var orgs struct{ Organisations []Organisation }
	mustJSON(t, r.body, &orgs)
	if len(orgs.Organisations) != 2 || orgs.Organisations[1].ID != org.ID {
		t.Errorf("org list %s", r.body)
	}

	// Status changes show: the organisation's in the SSA, the software's in its key sets (its SSA has none).
	if r = do(t, base, "PATCH", "/admin/software/"+sw.ID, testToken, `{"status":"Revoked"}`); r.status != 200 {
		t.Fatalf("patch software: %d %s", r.status, r.body)
	}
	if r = do(t, base, "PATCH", "/admin/organisations/"+org.ID+"/status", testToken, `{"status":"Inactive"}`); r.status != 200 {
		t.Fatalf("patch org: %d %s", r.status, r.body)
	}
	r = do(t, base, "POST", "/admin/software/"+sw.ID+"/ssa", testToken, `{"alg":"ES256"}`)
	if r.status != 200 || r.header.Get("Content-Type") != "application/jwt" {
		t.Fatalf("ssa: %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	set, _ := fetchSet(t, base, DirectoryJWKSPath)
	claims, hdr, err := joseutil.Verify(string(r.body), set, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if _, present := claims["software_status"]; hdr.Algorithm != "ES256" || present || claims["org_status"] != StatusInactive {
		t.Errorf("ssa header %+v claims %v %v", hdr, claims["software_status"], claims["org_status"])
	}
	if live, _ := fetchSet(t, base, SoftwareJWKSPath(org.ID, sw.ID)); len(live.Keys) != 0 {
		t.Errorf("revoked software: %d keys still live", len(live.Keys))
	}
	// An empty body means the defaults.
	if r = do(t, base, "POST", "/admin/software/"+sw.ID+"/ssa", testToken, nil); r.status != 200 {
		t.Fatalf("ssa with no body: %d %s", r.status, r.body)
	}

	// PEM downloads.
	creds, err := f.d.Credentials(sw.ID)
	if err != nil {
		t.Fatal(err)
	}
	r = do(t, base, "GET", "/admin/software/"+sw.ID+"/transport.pem", testToken, nil)
	certs, err := pki.ParseCertsPEM(r.body)
	if err != nil || len(certs) != 2 || !certs[0].Equal(creds.Transport.Leaf) || !certs[1].Equal(f.d.CA().Issuing) {
		t.Errorf("transport.pem: %v %d", err, len(certs))
	}
	r = do(t, base, "GET", "/admin/software/"+sw.ID+"/signing.pem", testToken, nil)
	certs, err = pki.ParseCertsPEM(r.body)
	if err != nil || !certs[0].Equal(creds.SigningKey.Certs[0]) {
		t.Errorf("signing.pem: %v", err)
	}
	for file, want := range map[string]crypto.Signer{"transport-key.pem": creds.Transport.PrivateKey.(crypto.Signer), "signing-key.pem": creds.SigningKey.Signer} {
		r = do(t, base, "GET", "/admin/software/"+sw.ID+"/"+file, testToken, nil)
		k, err := pki.ParseKeyPEM(r.body)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		got, _ := joseutil.Thumbprint(k.Public())
		exp, _ := joseutil.Thumbprint(want.Public())
		if got != exp {
			t.Errorf("%s: not the software's key", file)
		}
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", file, r.header.Get("Cache-Control"))
		}
	}

	// Keys: list, revoke, and the revoked key moves.
	r = do(t, base, "GET", "/admin/software/"+sw.ID+"/keys", testToken, nil)
	var keys struct{ Keys []KeyInfo }
	mustJSON(t, r.body, &keys)
	if len(keys.Keys) != 2 || keys.Keys[0].Use != "sig" || keys.Keys[1].Use != "tls" || keys.Keys[0].X5tS256 == "" ||
		keys.Keys[0].SubjectDN != fmt.Sprintf("CN=%s,OU=%s,O=OpenBanking,C=GB", sw.ID, org.ID) {
		t.Errorf("keys %+v", keys)
	}
	kid := keys.Keys[0].KeyID
	if r = do(t, base, "POST", "/admin/software/"+sw.ID+"/keys/"+kid+"/revoke", testToken, nil); r.status != 200 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r = do(t, base, "POST", "/admin/software/"+sw.ID+"/keys/"+kid+"/revoke", testToken, nil); r.status != 409 {
		t.Errorf("revoke again: %d %s", r.status, r.body)
	}
	live, _ := fetchSet(t, base, SoftwareJWKSPath(org.ID, sw.ID))
	revoked, _ := fetchSet(t, base, SoftwareRevokedJWKSPath(org.ID, sw.ID))
	if hasKid(live, kid) || !hasKid(revoked, kid) {
		t.Errorf("revoked key: live %v, revoked %v", kids(live), kids(revoked))
	}

	// Directory keys: rotate, retire.
	r = do(t, base, "POST", "/admin/keys/rotate", testToken, `{"alg":"ES256"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("rotate: %d %s", r.status, r.body)
	}
	var rot struct {
		Kid  string
		Keys []KeyInfo
	}
	mustJSON(t, r.body, &rot)
	if len(rot.Keys) != 3 {
		t.Errorf("after rotation: %+v", rot.Keys)
	}
	old := rot.Keys[1].KeyID
	if rot.Keys[1].Alg != "ES256" || rot.Keys[1].Status != "published" || rot.Keys[2].Status != "active" {
		t.Errorf("statuses after rotation: %+v", rot.Keys)
	}
	if r = do(t, base, "POST", "/admin/keys/"+old+"/retire", testToken, nil); r.status != 200 {
		t.Fatalf("retire: %d %s", r.status, r.body)
	}
	if r = do(t, base, "POST", "/admin/keys/"+rot.Kid+"/retire", testToken, nil); r.status != 409 {
		t.Errorf("retire the last ES256 key: %d %s", r.status, r.body)
	}
}

func mustJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

func TestPublicRoutes(t *testing.T) {
	f := sharedFixture(t)
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/nope", 404},
		{"GET", "/" + f.org.ID + "/nope.jwks", 404},
		{"GET", "/nope/nope.jwks", 404},
		{"GET", "/" + f.org.ID + "/revoked/nope.jwks", 404},
		{"GET", "/" + f.org.ID + "/" + f.org.ID, 404},
		{"POST", DirectoryJWKSPath, 405},
		{"DELETE", OrgJWKSPath(f.org.ID), 405},
		{"GET", CDRSSAPath("banking", "wrong-brand", f.rsaSW.ID), 404},
		{"GET", CDRSSAPath("banking", f.org.ID, "nope"), 404},
	} {
		r := do(t, f.srv.URL, c.method, c.path, testToken, nil)
		if r.status != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, r.status, c.status)
			continue
		}
		r.errorBody(t)
	}
	// CA bundle: issuing CA then root.
	r := get(t, f.srv.URL, CABundlePath)
	certs, err := pki.ParseCertsPEM(r.body)
	if err != nil || len(certs) != 2 || !certs[0].Equal(f.d.CA().Issuing) || !certs[1].Equal(f.d.CA().Root) {
		t.Errorf("CA bundle: %v", err)
	}
	// ETag revalidation of a key set.
	r = get(t, f.srv.URL, DirectoryJWKSPath)
	req, _ := http.NewRequest("GET", f.srv.URL+DirectoryJWKSPath, nil)
	req.Header.Set("If-None-Match", r.header.Get("ETag"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", res.StatusCode)
	}
	// HEAD works where GET does.
	if r := do(t, f.srv.URL, "HEAD", DirectoryJWKSPath, "", nil); r.status != 200 {
		t.Errorf("HEAD: %d", r.status)
	}
}

func asValidation(err error, ve **ValidationError) bool {
	return err != nil && errorsAs(err, ve)
}
