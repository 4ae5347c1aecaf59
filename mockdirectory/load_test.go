package mockdirectory

import (
	"context"
	"testing"
	"time"
)

// TestLoadBounded (issue 13, item 5): 32 concurrent clients issue SSAs and fetch key sets over loopback
// for a bounded time with no error. Throughput and memory are measured by `dcrconform directory bench`
// (20 s), not here.
func TestLoadBounded(t *testing.T) {
	f := newFixture(t, Config{})
	d := 3 * time.Second
	if testing.Short() {
		d = time.Second
	}
	res, err := RunLoad(context.Background(), LoadOptions{BaseURL: f.srv.URL, AdminToken: testToken, Concurrency: 32, Duration: d})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Errors != 0 {
		t.Errorf("%d errors under load, first: %v", res.Errors, res.FirstErrors)
	}
	if res.SSAs == 0 || res.KeySets == 0 {
		t.Errorf("%d SSAs and %d key sets answered", res.SSAs, res.KeySets)
	}
}
