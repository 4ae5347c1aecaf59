package target

import (
	"context"
	"crypto"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

var (
	rsaPoolOnce sync.Once
	rsaPool     []crypto.Signer
	rsaNext     int
	rsaMu       sync.Mutex
)

// pooledKeys hands out 8 pre-generated RSA keys in turn (fresh EC keys): what is measured is the
// directory serving runs, not RSA key generation.
func pooledKeys(keyType string) (crypto.Signer, error) {
	if keyType == mockdirectory.KeyTypeEC {
		return pki.NewECKey()
	}
	rsaPoolOnce.Do(func() {
		for range 8 {
			k, err := pki.NewRSAKey()
			if err != nil {
				panic(err)
			}
			rsaPool = append(rsaPool, k)
		}
	})
	rsaMu.Lock()
	defer rsaMu.Unlock()
	rsaNext++
	return rsaPool[rsaNext%len(rsaPool)], nil
}

// sharedDirectory is one directory over HTTPS (its own CA), as `dcrconform directory --tls` serves it.
func sharedDirectory(t testing.TB) (*mockdirectory.Directory, *httptest.Server) {
	t.Helper()
	d, err := mockdirectory.New(mockdirectory.Config{AdminToken: "s3cret", KeySource: pooledKeys})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(d.Handler())
	t.Cleanup(srv.Close)
	d.SetBaseURL(srv.URL)
	return d, srv
}

// oneRun is what a conformance run does with the directory: take a lease, mint identities and their
// SSAs, and check that each SSA names the run's own software; then end the run.
func oneRun(ctx context.Context, d *mockdirectory.Directory, srv *httptest.Server, identities int) error {
	run, err := StartRemoteRun(ctx, srv.URL, "s3cret", srv.Client(), "bench", time.Minute)
	if err != nil {
		return err
	}
	mine := map[string]bool{}
	for range identities {
		sw, err := run.Directory.NewSoftware(ctx, SoftwareOptions{})
		if err != nil {
			return err
		}
		ssa, err := run.Directory.IssueSSA(ctx, sw, mockdirectory.SSAOptions{})
		if err != nil {
			return err
		}
		claims, _, err := joseutil.Verify(ssa, d.JWKS(), []jose.SignatureAlgorithm{jose.PS256})
		if err != nil || claims["software_id"] != sw.ID || claims["org_id"] != sw.OrgID {
			return fmt.Errorf("SSA of %s: claims %v, %v", sw.ID, claims, err)
		}
		mine[sw.OrgID] = true
	}
	orgs, err := d.RunOrganisations(run.ID)
	if err != nil {
		return err
	}
	if len(orgs) != identities {
		return fmt.Errorf("run %s sees %d organisations, created %d", run.ID, len(orgs), identities)
	}
	for _, o := range orgs {
		if !mine[o.ID] {
			return fmt.Errorf("run %s sees organisation %s it did not create", run.ID, o.ID)
		}
	}
	// Through the admin API, with the run's token: its own organisations, no other run's.
	var listed struct {
		Organisations []mockdirectory.Organisation `json:"organisations"`
	}
	rd := run.Directory.(*remote)
	if rd.token == "s3cret" {
		return fmt.Errorf("run %s calls with the admin token, not its own", run.ID)
	}
	if err := rd.callJSON(ctx, "GET", "/admin/organisations", nil, 200, &listed); err != nil {
		return err
	}
	if len(listed.Organisations) != identities {
		return fmt.Errorf("run %s lists %d organisations, created %d", run.ID, len(listed.Organisations), identities)
	}
	for _, o := range listed.Organisations {
		if !mine[o.ID] {
			return fmt.Errorf("run %s lists organisation %s it did not create", run.ID, o.ID)
		}
	}
	end, err := run.End(ctx)
	if err != nil {
		return err
	}
	if end.Organisations != identities || end.Software != identities {
		return fmt.Errorf("ending run %s removed %+v, want %d identities", run.ID, end, identities)
	}
	return nil
}

func concurrentRuns(ctx context.Context, d *mockdirectory.Directory, srv *httptest.Server, runs, identities int) error {
	errs := make(chan error, runs)
	var wg sync.WaitGroup
	for range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- oneRun(ctx, d, srv, identities)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// 20 runs at once against one directory: each sees its own identities only, and the directory is back
// to no organisation once they end.
func TestConcurrentRemoteRuns(t *testing.T) {
	d, srv := sharedDirectory(t)
	if err := concurrentRuns(context.Background(), d, srv, 20, 3); err != nil {
		t.Fatal(err)
	}
	if n := len(d.Organisations()); n != 0 || len(d.Runs()) != 0 {
		t.Fatalf("%d organisations and %d runs left after every run ended", n, len(d.Runs()))
	}
}

func TestRemoteRunEndIsIdempotentAndRenews(t *testing.T) {
	d, srv := sharedDirectory(t)
	ctx := context.Background()
	run, err := StartRemoteRun(ctx, srv.URL, "s3cret", srv.Client(), "renew", 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := d.GetRun(run.ID)
	time.Sleep(1500 * time.Millisecond) // past one renewal (every second)
	renewed, err := d.GetRun(run.ID)
	if err != nil || !renewed.ExpiresAt.After(first.ExpiresAt) {
		t.Fatalf("lease not renewed: %v → %v (%v)", first.ExpiresAt, renewed.ExpiresAt, err)
	}
	if _, err := run.End(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := run.End(ctx); err != nil {
		t.Fatalf("second End: %v", err)
	}
	if _, err := StartRemoteRun(ctx, srv.URL, "wrong", srv.Client(), "", 0); err == nil {
		t.Fatal("a run started with a wrong admin token")
	}
}

// BenchmarkConcurrentRuns measures 20 runs at once against one directory over HTTPS, each minting 5
// identities (RSA keys from a pool) with an SSA each: runs/s and identities/s.
func BenchmarkConcurrentRuns(b *testing.B) {
	d, srv := sharedDirectory(b)
	const runs, identities = 20, 5
	ctx := context.Background()
	_, _ = pooledKeys("")
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if err := concurrentRuns(ctx, d, srv, runs, identities); err != nil {
			b.Fatal(err)
		}
	}
	secs := time.Since(start).Seconds()
	b.ReportMetric(float64(b.N*runs)/secs, "runs/s")
	b.ReportMetric(float64(b.N*runs*identities)/secs, "identities/s")
	if n := len(d.Organisations()); n != 0 {
		b.Fatalf("%d organisations left", n)
	}
}
