package mockdirectory

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

// TestConcurrentIssuance issues SSAs from many goroutines, in-process and over HTTP, while others create
// software, change statuses, revoke software keys, rotate directory keys and read key sets (run with -race).
func TestConcurrentIssuance(t *testing.T) {
	f := newFixture(t, Config{StateDir: t.TempDir()})
	const workers, perWorker = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker+100)
	ssas := make(chan string, workers*perWorker*2)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				opts := SSAOptions{}
				if i%2 == 1 {
					opts.Alg = "ES256"
				}
				if i%3 == 0 {
					opts.Profile = ProfileCDR
				}
				sw := f.rsaSW.ID
				if w%2 == 1 {
					sw = f.ecSW.ID
				}
				ssa, err := f.d.IssueSSA(sw, opts)
				if err != nil {
					errs <- err
					continue
				}
				ssas <- ssa
				if i%5 == 0 { // and over HTTP
					req, _ := http.NewRequest("POST", f.srv.URL+"/admin/software/"+sw+"/ssa", nil)
					req.Header.Set("Authorization", "Bearer "+testToken)
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						errs <- err
						continue
					}
					res.Body.Close()
					if res.StatusCode != 200 {
						errs <- fmt.Errorf("HTTP SSA: %d", res.StatusCode)
					}
				}
			}
		}(w)
	}
	// Writers.
	wg.Add(4)
	go func() {
		defer wg.Done()
		for i := 0; i < 2; i++ {
			if _, err := f.d.CreateSoftware(Software{OrgID: f.org.ID, ClientName: fmt.Sprintf("concurrent %d", i), KeyType: KeyTypeEC}); err != nil {
				errs <- err
			}
		}
	}()
	go func() {
		defer wg.Done()
		for _, s := range []string{StatusRevoked, StatusActive, StatusInactive, StatusActive} {
			if err := f.d.SetSoftwareStatus(f.ecSW.ID, s); err != nil {
				errs <- err
			}
			if err := f.d.SetOrganisationStatus(f.org.ID, s); err != nil {
				errs <- err
			}
		}
	}()
	go func() {
		defer wg.Done()
		if _, err := f.d.RotateSigningKey("ES256"); err != nil {
			errs <- err
		}
		c, err := f.d.Credentials(f.ecSW.ID)
		if err != nil {
			errs <- err
			return
		}
		if err := f.d.RevokeSoftwareKey(f.ecSW.ID, c.SigningKey.KeyID); err != nil {
			errs <- err
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			for _, p := range []string{DirectoryJWKSPath, OrgJWKSPath(f.org.ID), SoftwareJWKSPath(f.org.ID, f.ecSW.ID)} {
				res, err := http.Get(f.srv.URL + p)
				if err != nil {
					errs <- err
					continue
				}
				res.Body.Close()
				if res.StatusCode != 200 {
					errs <- fmt.Errorf("GET %s: %d", p, res.StatusCode)
				}
			}
			_ = f.d.Organisations()
			_, _ = f.d.SoftwareList("")
			_ = f.d.SigningKeys()
		}
	}()
	wg.Wait()
	close(errs)
	close(ssas)
	for err := range errs {
		t.Error(err)
	}
	// Every SSA verifies against the final key set (no key was retired).
	set, _ := fetchSet(t, f.srv.URL, DirectoryJWKSPath)
	n := 0
	jtis := map[string]bool{}
	for ssa := range ssas {
		claims, _, err := joseutil.Verify(ssa, set, ssaAlgs)
		if err != nil {
			t.Error(err)
			continue
		}
		jti := claims["jti"].(string)
		if jtis[jti] {
			t.Errorf("duplicate jti %s", jti)
		}
		jtis[jti] = true
		n++
	}
	if n != workers*perWorker {
		t.Errorf("%d SSAs verified, want %d", n, workers*perWorker)
	}
}
