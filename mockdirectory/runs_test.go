package mockdirectory

import (
	"context"
	"crypto"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/pki"
)

func (c *fixedClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// stateSize counts the files and bytes under dir, the lock file aside.
func stateSize(t testing.TB, dir string) (files int, size int64) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() && info.Name() != LockFile {
			files++
			size += info.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, size
}

// runIdentities is what one conformance run does through the admin API: open a run, create n
// organisations with a software each under it (EC keys: key generation is not what is measured), revoke a
// key of one of them, and read its key set. It returns the run and its software ids.
func runIdentities(t testing.TB, base string, n int) (Run, []string) {
	t.Helper()
	r := do(t, base, http.MethodPost, "/admin/runs", testToken, map[string]string{"name": "ci pipeline", "ttl": "10m"})
	if r.status != http.StatusCreated {
		t.Fatalf("POST /admin/runs: %d %s", r.status, r.body)
	}
	var run Run
	if err := json.Unmarshal(r.body, &run); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range n {
		r = do(t, base, http.MethodPost, "/admin/organisations", testToken, Organisation{Name: fmt.Sprintf("TPP %d", i), Run: run.ID})
		if r.status != http.StatusCreated {
			t.Fatalf("POST /admin/organisations: %d %s", r.status, r.body)
		}
		var org Organisation
		_ = json.Unmarshal(r.body, &org)
		r = do(t, base, http.MethodPost, "/admin/organisations/"+org.ID+"/software", testToken, Software{ClientName: "TPP app", KeyType: KeyTypeEC})
		if r.status != http.StatusCreated {
			t.Fatalf("POST software: %d %s", r.status, r.body)
		}
		var sw Software
		_ = json.Unmarshal(r.body, &sw)
		ids = append(ids, sw.ID)
		if i == 0 {
			var keys struct{ Keys []KeyInfo }
			_ = json.Unmarshal(do(t, base, http.MethodGet, "/admin/software/"+sw.ID+"/keys", testToken, nil).body, &keys)
			if r = do(t, base, http.MethodPost, "/admin/software/"+sw.ID+"/keys/"+keys.Keys[0].KeyID+"/revoke", testToken, nil); r.status != http.StatusOK {
				t.Fatalf("revoke: %d %s", r.status, r.body)
			}
			fetchSet(t, base, SoftwareJWKSPath(org.ID, sw.ID))
		}
	}
	return run, ids
}

// 100 runs against one directory with a state folder leave it as the first left it: the runs'
// identities go with each run; the CA, the signing keys and the organisations of no run stay.
func TestRunsKeepStateBounded(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, Config{StateDir: dir})
	baseFiles, baseSize := stateSize(t, dir)
	set, _ := fetchSet(t, f.srv.URL, DirectoryJWKSPath)
	var afterFirst int
	for i := range 100 {
		run, _ := runIdentities(t, f.srv.URL, 3)
		if i == 0 {
			during, _ := stateSize(t, dir)
			if during <= baseFiles {
				t.Fatalf("a run's identities wrote no state (%d files before, %d during): the test measures nothing", baseFiles, during)
			}
		}
		r := do(t, f.srv.URL, http.MethodDelete, "/admin/runs/"+run.ID, testToken, nil)
		var end RunEnd
		if err := json.Unmarshal(r.body, &end); err != nil || r.status != http.StatusOK || end != (RunEnd{Runs: 1, Organisations: 3, Software: 3}) {
			t.Fatalf("DELETE /admin/runs/%s: %d %s", run.ID, r.status, r.body)
		}
		if i == 0 {
			afterFirst, _ = stateSize(t, dir)
		}
	}
	files, size := stateSize(t, dir)
	t.Logf("state: %d files, %d bytes before; %d files, %d bytes after 100 runs", baseFiles, baseSize, files, size)
	if files != baseFiles || afterFirst != baseFiles || size > baseSize+1024 {
		t.Fatalf("state grew: %d files (%d bytes) before the runs, %d after the first, %d (%d bytes) after 100", baseFiles, baseSize, afterFirst, files, size)
	}
	if got := len(f.d.Organisations()); got != 1 {
		t.Fatalf("%d organisations after the runs, want the fixture's 1", got)
	}
	if after, _ := fetchSet(t, f.srv.URL, DirectoryJWKSPath); !slices.Equal(kids(after), kids(set)) {
		t.Fatal("the directory's signing keys changed over the runs")
	}
}

// A killed run never ends its run: its identities go once the lease expires, whether the directory
// sweeps them (ExpireRuns) or is restarted after the lease ran out.
func TestKilledRunExpiresAfterTTL(t *testing.T) {
	dir := t.TempDir()
	clock := &fixedClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f := newFixture(t, Config{StateDir: dir, Now: clock.Now})
	baseFiles, _ := stateSize(t, dir)

	killed, ids := runIdentities(t, f.srv.URL, 2)
	clock.advance(9 * time.Minute)
	if end, err := f.d.ExpireRuns(); err != nil || end.Runs != 0 {
		t.Fatalf("before its lease ran out: %+v, %v", end, err)
	}
	if _, err := f.d.RenewRun(killed.ID, 0); err != nil { // renewed: 30 more minutes
		t.Fatal(err)
	}
	clock.advance(29 * time.Minute)
	if _, err := f.d.Software(ids[0]); err != nil {
		t.Fatalf("a renewed run lost its software: %v", err)
	}
	clock.advance(2 * time.Minute)
	if end, err := f.d.ExpireRuns(); err != nil || end != (RunEnd{Runs: 1, Organisations: 2, Software: 2}) {
		t.Fatalf("ExpireRuns after the lease: %+v, %v", end, err)
	}
	for _, id := range ids {
		if _, err := f.d.Software(id); !isNotFound(err) {
			t.Fatalf("software %s of the expired run: %v", id, err)
		}
	}
	if files, _ := stateSize(t, dir); files != baseFiles {
		t.Fatalf("%d files after expiry, %d before the run", files, baseFiles)
	}
	if r := do(t, f.srv.URL, http.MethodPost, "/admin/organisations", testToken, Organisation{Name: "late", Run: killed.ID}); r.status != http.StatusBadRequest {
		t.Fatalf("an organisation under an expired run: %d %s", r.status, r.body)
	}

	// Killed with the directory: the next directory on the state removes the run once its lease is out.
	run2, _ := runIdentities(t, f.srv.URL, 2)
	f.srv.Close()
	if err := f.d.Close(); err != nil {
		t.Fatal(err)
	}
	d2, err := New(Config{StateDir: dir, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d2.GetRun(run2.ID); err != nil {
		t.Fatalf("a live run did not survive a restart: %v", err)
	}
	_ = d2.Close()
	clock.advance(11 * time.Minute)
	d3, err := New(Config{StateDir: dir, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer d3.Close()
	if files, _ := stateSize(t, dir); files != baseFiles || len(d3.Runs()) != 0 {
		t.Fatalf("after a restart past the lease: %d files (%d before), runs %v", files, baseFiles, d3.Runs())
	}
}

// Runs at the same time see only their own identities, and ending one leaves the others whole.
func TestConcurrentRunsAreIsolated(t *testing.T) {
	f := newFixture(t, Config{})
	const runs = 6
	got := make([]Run, runs)
	ids := make([][]string, runs)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], ids[i] = runIdentities(t, f.srv.URL, 3)
		}()
	}
	wg.Wait()
	for i := range runs {
		var view struct {
			Run
			Organisations []Organisation `json:"organisations"`
		}
		r := do(t, f.srv.URL, http.MethodGet, "/admin/runs/"+got[i].ID, testToken, nil)
		if err := json.Unmarshal(r.body, &view); err != nil || r.status != http.StatusOK {
			t.Fatalf("GET run: %d %s", r.status, r.body)
		}
		if len(view.Organisations) != 3 {
			t.Fatalf("run %d sees %d organisations, want its own 3", i, len(view.Organisations))
		}
		for _, o := range view.Organisations {
			sws, _ := f.d.SoftwareList(o.ID)
			if o.Run != got[i].ID || len(sws) != 1 || !slices.Contains(ids[i], sws[0].ID) {
				t.Fatalf("run %d sees organisation %s of run %q", i, o.ID, o.Run)
			}
		}
	}
	if r := do(t, f.srv.URL, http.MethodDelete, "/admin/runs/"+got[0].ID, testToken, nil); r.status != http.StatusOK {
		t.Fatalf("end run: %d %s", r.status, r.body)
	}
	for i := 1; i < runs; i++ {
		for _, id := range ids[i] {
			if _, err := f.d.Software(id); err != nil {
				t.Fatalf("ending run 0 removed software %s of run %d: %v", id, i, err)
			}
		}
	}
	for _, id := range ids[0] {
		if _, err := f.d.Software(id); !isNotFound(err) {
			t.Fatalf("software %s of the ended run: %v", id, err)
		}
	}
}

func TestRunAdminRefusals(t *testing.T) {
	f := newFixture(t, Config{})
	for _, c := range []struct {
		method, path string
		body         any
		status       int
		field        string
	}{
		{http.MethodPost, "/admin/runs", map[string]string{"ttl": "forever"}, http.StatusBadRequest, "ttl"},
		{http.MethodPost, "/admin/runs", map[string]string{"ttl": "48h"}, http.StatusBadRequest, "ttl"},
		{http.MethodPost, "/admin/runs", map[string]string{"owner": "x"}, http.StatusBadRequest, "owner"},
		{http.MethodGet, "/admin/runs/run-missing", nil, http.StatusNotFound, ""},
		{http.MethodDelete, "/admin/runs/run-missing", nil, http.StatusNotFound, ""},
		{http.MethodPost, "/admin/runs/run-missing/renew", nil, http.StatusNotFound, ""},
		{http.MethodDelete, "/admin/organisations/missing", nil, http.StatusNotFound, ""},
		{http.MethodPost, "/admin/organisations", Organisation{Name: "x", Run: "run-missing"}, http.StatusBadRequest, "run"},
	} {
		r := do(t, f.srv.URL, c.method, c.path, testToken, c.body)
		if r.status != c.status || r.errorBody(t).Field != c.field {
			t.Errorf("%s %s: %d %s, want %d field %q", c.method, c.path, r.status, r.body, c.status, c.field)
		}
	}
	if r := do(t, f.srv.URL, http.MethodPost, "/admin/runs", "", nil); r.status != http.StatusUnauthorized {
		t.Errorf("POST /admin/runs without the token: %d", r.status)
	}
	// An organisation removed by id takes its software and key sets with it.
	if r := do(t, f.srv.URL, http.MethodDelete, "/admin/organisations/"+f.org.ID, testToken, nil); r.status != http.StatusNoContent {
		t.Fatalf("DELETE organisation: %d %s", r.status, r.body)
	}
	if r := get(t, f.srv.URL, SoftwareJWKSPath(f.org.ID, f.rsaSW.ID)); r.status != http.StatusNotFound {
		t.Fatalf("key set of a removed software: %d", r.status)
	}
}

// A standalone directory sweeps a killed run's identities once its lease expires, and serves the
// certificate an operator gives.
func TestServeSweepsExpiredRunsWithOperatorCertificate(t *testing.T) {
	ca, err := pki.NewCA("operator")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.IssueServer("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
	keyPEM, err := pki.KeyPEM(cert.PrivateKey.(crypto.Signer))
	if err != nil {
		t.Fatal(err)
	}
	var chain []byte
	for _, der := range cert.Certificate {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	if err := os.WriteFile(certFile, chain, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	clock := &fixedClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan *Directory, 1)
	var base string
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ServeOptions{Addr: "127.0.0.1:0", CertFile: certFile, KeyFile: keyFile, AdminToken: testToken,
			StateDir: filepath.Join(dir, "state"), Now: clock.Now, SweepEvery: 20 * time.Millisecond,
			Ready: func(d *Directory, u string) { base = u; ready <- d }})
	}()
	var d *Directory
	select {
	case d = <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(20 * time.Second):
		t.Fatal("not ready")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	res, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatalf("the operator's certificate is not served: %v", err)
	}
	res.Body.Close()
	run, err := d.StartRun("killed", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	org, err := d.CreateOrganisation(Organisation{Name: "TPP", Run: run.ID})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := d.Organisation(org.ID); err != nil {
		t.Fatalf("swept before its lease expired: %v", err)
	}
	clock.advance(2 * time.Minute)
	deadline := time.Now().Add(10 * time.Second)
	for len(d.Runs()) != 0 || len(d.Organisations()) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the expired run was not swept: runs %v", d.Runs())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A run's token reaches its own run, organisations and software only; other runs' ids do not exist for it.
func TestRunTokenSeesOnlyItsRun(t *testing.T) {
	f := newFixture(t, Config{})
	start := func() Run {
		r := do(t, f.srv.URL, http.MethodPost, "/admin/runs", testToken, nil)
		var run Run
		if err := json.Unmarshal(r.body, &run); err != nil || r.status != http.StatusCreated || run.Token == "" || run.TokenSHA256 != "" {
			t.Fatalf("POST /admin/runs: %d %s", r.status, r.body)
		}
		return run
	}
	a, b := start(), start()
	mint := func(run Run) (Organisation, Software) {
		r := do(t, f.srv.URL, http.MethodPost, "/admin/organisations", run.Token, Organisation{Name: "TPP"})
		var o Organisation
		if err := json.Unmarshal(r.body, &o); err != nil || r.status != http.StatusCreated || o.Run != run.ID {
			t.Fatalf("create organisation with a run token: %d %s", r.status, r.body)
		}
		r = do(t, f.srv.URL, http.MethodPost, "/admin/organisations/"+o.ID+"/software", run.Token, Software{ClientName: "app", KeyType: KeyTypeEC})
		var s Software
		if err := json.Unmarshal(r.body, &s); err != nil || r.status != http.StatusCreated {
			t.Fatalf("create software with a run token: %d %s", r.status, r.body)
		}
		return o, s
	}
	orgA, swA := mint(a)
	orgB, swB := mint(b)

	var list struct {
		Organisations []Organisation `json:"organisations"`
		Software      []Software     `json:"software"`
		Runs          []Run          `json:"runs"`
	}
	for _, path := range []string{"/admin/organisations", "/admin/software", "/admin/runs"} {
		r := do(t, f.srv.URL, http.MethodGet, path, a.Token, nil)
		if err := json.Unmarshal(r.body, &list); err != nil || r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	if len(list.Organisations) != 1 || list.Organisations[0].ID != orgA.ID || len(list.Software) != 1 || list.Software[0].ID != swA.ID ||
		len(list.Runs) != 1 || list.Runs[0].ID != a.ID || list.Runs[0].TokenSHA256 != "" {
		t.Fatalf("run A lists %+v", list)
	}
	for _, c := range []struct {
		method, path string
		body         any
		status       int
	}{
		{http.MethodGet, "/admin/organisations/" + orgB.ID, nil, http.StatusNotFound},
		{http.MethodPatch, "/admin/organisations/" + orgB.ID + "/status", map[string]string{"status": StatusRevoked}, http.StatusNotFound},
		{http.MethodDelete, "/admin/organisations/" + orgB.ID, nil, http.StatusNotFound},
		{http.MethodDelete, "/admin/organisations/" + f.org.ID, nil, http.StatusNotFound}, // an organisation of no run
		{http.MethodPost, "/admin/organisations/" + orgB.ID + "/software", Software{ClientName: "x"}, http.StatusNotFound},
		{http.MethodGet, "/admin/software/" + swB.ID, nil, http.StatusNotFound},
		{http.MethodPost, "/admin/software/" + swB.ID + "/ssa", nil, http.StatusNotFound},
		{http.MethodGet, "/admin/software/" + swB.ID + "/signing-key.pem", nil, http.StatusNotFound},
		{http.MethodGet, "/admin/software?org_id=" + orgB.ID, nil, http.StatusNotFound},
		{http.MethodPost, "/admin/software", Software{OrgID: orgB.ID, ClientName: "x"}, http.StatusBadRequest},
		{http.MethodPost, "/admin/organisations", Organisation{Name: "x", Run: b.ID}, http.StatusBadRequest},
		{http.MethodGet, "/admin/runs/" + b.ID, nil, http.StatusNotFound},
		{http.MethodDelete, "/admin/runs/" + b.ID, nil, http.StatusNotFound},
		{http.MethodPost, "/admin/runs", nil, http.StatusForbidden},
		{http.MethodPost, "/admin/keys/rotate", nil, http.StatusForbidden},
		{http.MethodGet, CDRSSAPath("banking", orgB.ID, swB.ID), nil, http.StatusNotFound},
	} {
		if r := do(t, f.srv.URL, c.method, c.path, a.Token, c.body); r.status != c.status {
			t.Errorf("run A: %s %s: %d %s, want %d", c.method, c.path, r.status, r.body, c.status)
		}
	}
	if _, err := f.d.Software(swB.ID); err != nil {
		t.Fatalf("run A's refused calls touched run B: %v", err)
	}
	for _, path := range []string{"/admin/software/" + swA.ID + "/ssa", "/admin/runs/" + a.ID + "/renew"} {
		if r := do(t, f.srv.URL, http.MethodPost, path, a.Token, nil); r.status != http.StatusOK {
			t.Errorf("run A on its own %s: %d %s", path, r.status, r.body)
		}
	}
	if r := do(t, f.srv.URL, http.MethodDelete, "/admin/runs/"+a.ID, a.Token, nil); r.status != http.StatusOK {
		t.Fatalf("run A ends itself: %d %s", r.status, r.body)
	}
	if r := do(t, f.srv.URL, http.MethodGet, "/admin/organisations", a.Token, nil); r.status != http.StatusUnauthorized {
		t.Errorf("an ended run's token: %d", r.status)
	}
	if r := do(t, f.srv.URL, http.MethodGet, "/admin/organisations/"+orgB.ID, testToken, nil); r.status != http.StatusOK {
		t.Errorf("the admin token on run B's organisation: %d", r.status)
	}
}
