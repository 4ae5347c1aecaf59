package mockdirectory

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

// served fetches every key set and the CA bundle of a directory.
func served(t testing.TB, base string, d *Directory) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	paths := []string{DirectoryJWKSPath, CDRJWKSPath, CABundlePath}
	for _, o := range d.Organisations() {
		paths = append(paths, OrgJWKSPath(o.ID), OrgRevokedJWKSPath(o.ID))
		sws, _ := d.SoftwareList(o.ID)
		for _, s := range sws {
			paths = append(paths, SoftwareJWKSPath(o.ID, s.ID), SoftwareRevokedJWKSPath(o.ID, s.ID))
		}
	}
	for _, p := range paths {
		r := get(t, base, p)
		if r.status != 200 {
			t.Fatalf("GET %s: %d", p, r.status)
		}
		out[p] = r.body
	}
	return out
}

func TestRestartServesIdenticalState(t *testing.T) {
	dir := t.TempDir()
	clock := &fixedClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f := newFixture(t, Config{StateDir: dir, Now: clock.Now})
	// Two more organisations created at the same instant (ordering must not depend on the clock), a
	// revoked key, a rotated directory key, statuses.
	o2, err := f.d.CreateOrganisation(Organisation{Name: "Second", Roles: []string{RoleAISP}})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := f.d.CreateSoftware(Software{OrgID: o2.ID, ClientName: "Second app", KeyType: KeyTypeEC})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := f.d.Credentials(f.rsaSW.ID)
	if err := f.d.RevokeSoftwareKey(f.rsaSW.ID, c.SigningKey.KeyID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.RotateSigningKey("ES256"); err != nil {
		t.Fatal(err)
	}
	if err := f.d.SetSoftwareStatus(s2.ID, StatusWithdrawn); err != nil {
		t.Fatal(err)
	}
	var ssas []string
	for _, o := range []SSAOptions{{}, {Alg: "ES256"}, {Profile: ProfileCDR}, {Profile: ProfileCDR, Alg: "ES256"}} {
		ssa, err := f.d.IssueSSA(f.rsaSW.ID, o)
		if err != nil {
			t.Fatal(err)
		}
		ssas = append(ssas, ssa)
	}
	before := served(t, f.srv.URL, f.d)
	orgs, credsBefore := f.d.Organisations(), mustCreds(t, f.d, f.rsaSW.ID)
	f.srv.Close()
	f.d.Close()

	// Restart on the same state, served at the same base URL.
	d2, err := New(Config{StateDir: dir, AdminToken: testToken, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	srv2 := serve(t, d2)
	after := served(t, srv2.URL, d2)
	if len(after) != len(before) {
		t.Fatalf("%d resources after restart, %d before", len(after), len(before))
	}
	for p, b := range before {
		if !bytes.Equal(after[p], b) {
			t.Errorf("%s differs after restart:\n%s\n%s", p, b, after[p])
		}
	}
	if !jsonEqual(d2.Organisations(), orgs) {
		t.Error("organisations differ after restart")
	}
	if s, _ := d2.Software(s2.ID); s.Status != StatusWithdrawn || s.KeyType != KeyTypeEC {
		t.Errorf("software after restart: %+v", s)
	}
	credsAfter := mustCreds(t, d2, f.rsaSW.ID)
	if credsAfter.SigningKey.KeyID != credsBefore.SigningKey.KeyID || !credsAfter.Transport.Leaf.Equal(credsBefore.Transport.Leaf) ||
		len(credsAfter.Revoked) != 1 {
		t.Error("credentials differ after restart")
	}
	// SSAs issued before the restart verify against the key sets served after it.
	for _, path := range []string{DirectoryJWKSPath, CDRJWKSPath} {
		set, _ := fetchSet(t, srv2.URL, path)
		for i, ssa := range ssas {
			if _, _, err := joseutil.Verify(ssa, set, ssaAlgs); err != nil {
				t.Errorf("SSA %d against %s after restart: %v", i, path, err)
			}
		}
	}
	// And the restarted directory keeps working: new SSAs, new software.
	if _, err := d2.IssueSSA(f.ecSW.ID, SSAOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := d2.CreateSoftware(Software{OrgID: f.org.ID, ClientName: "After restart"}); err != nil {
		t.Fatal(err)
	}
	// Private keys are not world-readable.
	for _, p := range listFiles(t, dir) {
		if strings.HasSuffix(p, "-key.pem") {
			st, _ := os.Stat(filepath.Join(dir, p))
			if st.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s has mode %v", p, st.Mode())
			}
		}
	}
}

func mustCreds(t testing.TB, d *Directory, id string) Credentials {
	t.Helper()
	c, err := d.Credentials(id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTornWrites: whatever a kill leaves behind (temporary files of interrupted writes, key files that no
// record refers to yet, a CA half written on the first start), the state loads, and serves the same.
func TestTornWrites(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, Config{StateDir: dir})
	before := served(t, f.srv.URL, f.d)
	f.srv.Close()
	f.d.Close()

	leftovers := map[string]string{
		"orgs/." + f.org.ID + ".json.tmp-123456":     `{"id":"` + f.org.ID + `","name":"half`,
		"orgs/.0015800001NEWNEWNE.json.tmp-1":        `{"id":"0015800001NEWNEWNE","na`,
		"software/." + f.rsaSW.ID + ".json.tmp-99":   `{"id":`,
		"keys/.index.json.tmp-7":                     `{"keys":[{"kid":"x"`,
		"software/" + f.rsaSW.ID + "/.abc.pem.tmp-1": "-----BEGIN CERT",
		"ca/.root.pem.tmp-5":                         "",
		"software/NEWSOFTWARE/orphan-key.pem":        "-----BEGIN PRIVATE KEY-----\ngarbage",
		"software/" + f.rsaSW.ID + "/orphankid.pem":  "not referenced by any record",
		"keys/orphan-key.pem":                        "not in the index",
	}
	for rel, content := range leftovers {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	d2, err := New(Config{StateDir: dir})
	if err != nil {
		t.Fatalf("state with leftovers does not load: %v", err)
	}
	defer d2.Close()
	srv2 := serve(t, d2)
	after := served(t, srv2.URL, d2)
	for p, b := range before {
		if !bytes.Equal(after[p], b) {
			t.Errorf("%s differs after loading with leftovers", p)
		}
	}
	for _, p := range listFiles(t, dir) {
		if isTemp(filepath.Base(p)) {
			t.Errorf("leftover temporary file %s not removed", p)
		}
	}

	// A first start killed while writing the CA: root.pem (written last) is missing.
	fresh := t.TempDir()
	if d, err := New(Config{StateDir: fresh}); err != nil {
		t.Fatal(err)
	} else {
		d.Close()
	}
	for _, rel := range []string{"ca/root.pem", "keys/index.json"} {
		if err := os.Remove(filepath.Join(fresh, rel)); err != nil {
			t.Fatal(err)
		}
	}
	d3, err := New(Config{StateDir: fresh})
	if err != nil {
		t.Fatalf("half-written CA: %v", err)
	}
	if _, err := d3.CreateOrganisation(Organisation{Name: "x"}); err != nil {
		t.Fatal(err)
	}
	d3.Close()
	// But a state with records and no CA is refused rather than silently re-keyed.
	if err := os.Remove(filepath.Join(fresh, "ca/root.pem")); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{StateDir: fresh}); err == nil {
		t.Error("state without its CA loaded")
	}
}

// TestCorruptStateIsReported: a record that was damaged outside the directory fails the load loudly.
func TestCorruptStateIsReported(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, Config{StateDir: dir})
	f.srv.Close()
	f.d.Close()
	p := filepath.Join(dir, "orgs", f.org.ID+".json")
	if err := os.WriteFile(p, []byte(`{"id":"`+f.org.ID+`","name":"","status":"Active"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := New(Config{StateDir: dir})
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "name") {
		t.Errorf("corrupt org record: %v", err)
	}
}

// TestAtomicWrite checks the write helper: content, mode, no temporary file left.
func TestAtomicWrite(t *testing.T) {
	dir := t.TempDir()
	s := &store{dir: dir}
	for i := 0; i < 3; i++ {
		if err := s.writeFile("a/b.json", []byte{byte('0' + i)}, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "a", "b.json"))
	if err != nil || string(b) != "2" {
		t.Errorf("content %q %v", b, err)
	}
	if files := listFiles(t, dir); !slices.Equal(files, []string{"a/b.json"}) {
		t.Errorf("files %v", files)
	}
}
