package mockdirectory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LoadOptions configure RunLoad.
type LoadOptions struct {
	BaseURL     string        // the directory, e.g. http://127.0.0.1:8443
	AdminToken  string        // its admin token (SSAs are issued through the admin API)
	Concurrency int           // concurrent clients, default 32
	Duration    time.Duration // default 20s
	Client      *http.Client  // default: keep-alive connections, 10s timeout per request
}

// LoadResult is what RunLoad measured. Requests are counted when they were answered as expected.
type LoadResult struct {
	Concurrency   int
	Duration      time.Duration
	SSAs, KeySets int64
	Errors        int64
	FirstErrors   []string // up to 5
	SSALatency    Latency
	KeySetLatency Latency
}

// Latency summarises request durations.
type Latency struct{ P50, P99, Max time.Duration }

// PerSecond is the number of answered requests per second.
func (r LoadResult) PerSecond() float64 {
	return float64(r.SSAs+r.KeySets) / r.Duration.Seconds()
}

func (r LoadResult) String() string {
	sec := r.Duration.Seconds()
	return fmt.Sprintf("%d clients for %s: %d requests (%.0f/s), %d errors\n"+
		"  SSA issuance  %7d (%6.0f/s)  p50 %s  p99 %s  max %s\n"+
		"  key sets      %7d (%6.0f/s)  p50 %s  p99 %s  max %s",
		r.Concurrency, r.Duration.Round(time.Millisecond), r.SSAs+r.KeySets, r.PerSecond(), r.Errors,
		r.SSAs, float64(r.SSAs)/sec, r.SSALatency.P50, r.SSALatency.P99, r.SSALatency.Max,
		r.KeySets, float64(r.KeySets)/sec, r.KeySetLatency.P50, r.KeySetLatency.P99, r.KeySetLatency.Max)
}

// RunLoad sets up an organisation with an RSA and an EC software through the admin API, then has
// Concurrency clients, half of them issuing SSAs (UK and CDR, PS256 and ES256, in turn) and half requesting
// key sets (the directory's, the register's, the organisation's and a software's, in turn), for Duration,
// checking every answer.
func RunLoad(ctx context.Context, o LoadOptions) (LoadResult, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	if o.Duration <= 0 {
		o.Duration = 20 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency}}
	}
	base := strings.TrimRight(o.BaseURL, "/")
	call := func(ctx context.Context, method, path string, body any, want int, out any) ([]byte, error) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(path, "/admin/") {
			req.Header.Set("Authorization", "Bearer "+o.AdminToken)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := o.Client.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		if res.StatusCode != want {
			return nil, fmt.Errorf("%s %s: status %d: %.200s", method, path, res.StatusCode, data)
		}
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, path, err)
			}
		}
		return data, nil
	}

	var org Organisation
	if _, err := call(ctx, "POST", "/admin/organisations", Organisation{Name: "Load test TPP"}, http.StatusCreated, &org); err != nil {
		return LoadResult{}, fmt.Errorf("set-up: %w", err)
	}
	var sws []Software
	for _, kt := range []string{KeyTypeRSA, KeyTypeEC} {
		var s Software
		if _, err := call(ctx, "POST", "/admin/organisations/"+org.ID+"/software", Software{ClientName: "Load test " + kt, KeyType: kt}, http.StatusCreated, &s); err != nil {
			return LoadResult{}, fmt.Errorf("set-up: %w", err)
		}
		sws = append(sws, s)
	}
	ssaOpts := []SSAOptions{{}, {Alg: "ES256"}, {Profile: ProfileCDR}, {Profile: ProfileCDR, Alg: "ES256"}}
	sets := []string{DirectoryJWKSPath, CDRJWKSPath, OrgJWKSPath(org.ID), SoftwareJWKSPath(org.ID, sws[1].ID)}

	res := LoadResult{Concurrency: o.Concurrency}
	var errCount atomic.Int64
	var mu sync.Mutex
	var ssaLat, setLat []time.Duration
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < o.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var myErrs []string
			var ssa, set []time.Duration
			issuer := w%2 == 0
			for i := w / 2; ctx.Err() == nil; i++ {
				t0 := time.Now()
				var err error
				if issuer {
					var body []byte
					sw := sws[i%len(sws)]
					body, err = call(ctx, "POST", "/admin/software/"+sw.ID+"/ssa", ssaOpts[(i/2)%len(ssaOpts)], http.StatusOK, nil)
					if err == nil && strings.Count(string(body), ".") != 2 {
						err = fmt.Errorf("SSA of %s is not a compact JWS: %.100s", sw.ID, body)
					}
				} else {
					var ks struct {
						Keys []json.RawMessage `json:"keys"`
					}
					_, err = call(ctx, "GET", sets[i%len(sets)], nil, http.StatusOK, &ks)
					if err == nil && len(ks.Keys) == 0 {
						err = fmt.Errorf("key set %s is empty", sets[i%len(sets)])
					}
				}
				if ctx.Err() != nil && err != nil {
					break // cut off by the end of the run, not an error of the directory
				}
				d := time.Since(t0)
				switch {
				case err != nil:
					errCount.Add(1)
					if len(myErrs) < 5 {
						myErrs = append(myErrs, err.Error())
					}
				case issuer:
					ssa = append(ssa, d)
				default:
					set = append(set, d)
				}
			}
			mu.Lock()
			ssaLat, setLat = append(ssaLat, ssa...), append(setLat, set...)
			for _, e := range myErrs {
				if len(res.FirstErrors) < 5 {
					res.FirstErrors = append(res.FirstErrors, e)
				}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Duration = time.Since(start)
	res.SSAs, res.KeySets, res.Errors = int64(len(ssaLat)), int64(len(setLat)), errCount.Load()
	res.SSALatency, res.KeySetLatency = latency(ssaLat), latency(setLat)
	if res.SSAs == 0 && res.KeySets == 0 && res.Errors == 0 {
		return res, errors.New("no request completed")
	}
	return res, nil
}

func latency(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))].Round(time.Microsecond) }
	return Latency{P50: at(0.50), P99: at(0.99), Max: d[len(d)-1].Round(time.Microsecond)}
}
