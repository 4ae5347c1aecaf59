package target

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/dcrconform/dcrconform/mockdirectory"
)

// DirectoryRun is one conformance run's lease on a mock directory (see mockdirectory.StartRun): the
// software identities its Directory creates belong to the run and are removed by End, or by the directory
// once the lease expires when the run is killed. While the run lasts its lease is renewed.
type DirectoryRun struct {
	ID        string
	Directory Directory

	end      func(ctx context.Context) (mockdirectory.RunEnd, error)
	stop     chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once
}

// End stops renewing the lease and removes the run's identities. Calling it again does nothing.
func (r *DirectoryRun) End(ctx context.Context) (mockdirectory.RunEnd, error) {
	first := false
	r.stopOnce.Do(func() {
		first = true
		close(r.stop)
	})
	r.wg.Wait()
	if !first {
		return mockdirectory.RunEnd{}, nil
	}
	return r.end(ctx)
}

// renewEvery renews the lease a third of its length apart, until End.
func (r *DirectoryRun) renewEvery(ttl time.Duration, renew func() error) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-r.stop:
				return
			case <-t.C:
				_ = renew() // a missed renewal is retried at the next tick; the lease outlasts two
			}
		}
	}()
}

// StartRemoteRun opens a run named name with a lease of ttl (0: the directory's default) on the
// directory at baseURL through its admin API (see RemoteDirectory for c and the limits of each call). The
// admin token only opens the run: every later call carries the run's own token, which reaches the run's
// identities and nothing else.
func StartRemoteRun(ctx context.Context, baseURL, adminToken string, c *http.Client, name string, ttl time.Duration) (*DirectoryRun, error) {
	rd := RemoteDirectory(baseURL, adminToken, c).(*remote)
	body := map[string]string{"name": name}
	if ttl > 0 {
		body["ttl"] = ttl.String()
	}
	var run mockdirectory.Run
	if err := rd.callJSON(ctx, http.MethodPost, "/admin/runs", body, http.StatusCreated, &run); err != nil {
		return nil, fmt.Errorf("start a run on the directory: %w", err)
	}
	rd.run = run.ID
	if run.Token != "" {
		rd.token = run.Token // from here on, calls reach this run's identities only
	}
	path := "/admin/runs/" + url.PathEscape(run.ID)
	r := &DirectoryRun{ID: run.ID, Directory: rd, stop: make(chan struct{})}
	r.end = func(ctx context.Context) (mockdirectory.RunEnd, error) {
		var end mockdirectory.RunEnd
		err := rd.callJSON(ctx, http.MethodDelete, path, nil, http.StatusOK, &end)
		return end, err
	}
	lease := run.ExpiresAt.Sub(run.CreatedAt)
	if lease <= 0 {
		lease = mockdirectory.DefaultRunTTL
	}
	r.renewEvery(lease, func() error {
		_, err := rd.call(context.Background(), http.MethodPost, path+"/renew", map[string]string{"ttl": lease.String()}, http.StatusOK)
		return err
	})
	return r, nil
}
