package bank

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// raceScenarios send requests at once, released together from a barrier: the bank's rules hold for
// them as for requests one after another (and, under -race, its state is shared safely).
func raceScenarios() []scenario {
	return []scenario{
		{name: "tokens requested with the DELETE are dead once it answered", want: "dead",
			defects: map[string]string{"token-check-then-issue": "alive"},
			run: managed(func(t *testing.T, _ *fixture, s *Server, sw *software, id, tok string) string {
				var mu sync.Mutex
				var tokens []string
				raceDelete(t, s, sw, id, tok, "", func() {
					r := requestToken(t, s, sw.client, tokenForm(id, mustSign(t, assertion(s, id), sw.key)))
					if v, _ := r.body["access_token"].(string); v != "" {
						mu.Lock()
						tokens = append(tokens, v)
						mu.Unlock()
					}
				})
				for _, v := range tokens {
					if manage(t, s, sw.client, http.MethodGet, id, v, "").status == http.StatusOK {
						return "alive"
					}
				}
				return "dead"
			})},
		{name: "a PUT sent with the DELETE leaves the client deleted", want: noClient,
			defects: map[string]string{"put-check-then-write": "200"},
			run: managed(func(t *testing.T, f *fixture, s *Server, sw *software, id, tok string) string {
				body := f.requestJWT(t, sw, s.URL, nil)
				raceDelete(t, s, sw, id, tok, body, nil)
				return requestToken(t, s, sw.client, tokenForm(id, mustSign(t, assertion(s, id), sw.key))).outcome()
			})},
		{name: "distinct registrations sent 8 at once get distinct client_ids", want: "distinct",
			defects: map[string]string{"register-client-id-race": "shared"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				type request struct {
					sw   *software
					body string
				}
				reqs := make(chan request, 8)
				for range 8 {
					sw := f.newSoftware(t, false)
					reqs <- request{sw, f.requestJWT(t, sw, s.URL, nil)}
				}
				var mu sync.Mutex
				ids := map[string]bool{}
				accepted(8, http.StatusCreated, func() int {
					req := <-reqs
					r := register(t, s, req.sw.client, req.body)
					mu.Lock()
					defer mu.Unlock()
					ids[fmt.Sprint(r.body["client_id"])] = true
					return r.status
				})
				if len(ids) == 8 {
					return "distinct"
				}
				return "shared"
			}},
		{name: "one request sent 8 times at once registers once", want: "one",
			defects: map[string]string{"register-check-then-insert": "several"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				body := f.requestJWT(t, sw, s.URL, nil)
				return accepted(8, http.StatusCreated, func() int { return register(t, s, sw.client, body).status })
			}},
		{name: "one client assertion sent 8 times at once gets one token", want: "one",
			defects: map[string]string{"token-jti-check-then-use": "several"},
			run: func(t *testing.T, f *fixture, s *Server) string {
				sw := f.newSoftware(t, false)
				id := f.mustRegister(t, s, sw, nil)
				form := tokenForm(id, mustSign(t, assertion(s, id), sw.key))
				return accepted(8, http.StatusOK, func() int { return requestToken(t, s, sw.client, form).status })
			}},
	}
}

// accepted runs send n times at once and says how many were answered status: none, one or several.
func accepted(n, status int, send func() int) string {
	var ready, done sync.WaitGroup
	release := make(chan struct{})
	var mu sync.Mutex
	k := 0
	for range n {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-release
			if send() == status {
				mu.Lock()
				k++
				mu.Unlock()
			}
		}()
	}
	ready.Wait()
	close(release)
	done.Wait()
	switch k {
	case 0:
		return "none"
	case 1:
		return "one"
	}
	return "several"
}

// raceDelete sends a PUT of body (when not empty) or 4 runs of other (when not nil), and 50 ms later the
// client's DELETE, which must be answered 204.
func raceDelete(t *testing.T, s *Server, sw *software, id, tok, body string, other func()) {
	t.Helper()
	var wg sync.WaitGroup
	n := 4
	if body != "" {
		n = 1
		other = func() { manage(t, s, sw.client, http.MethodPut, id, tok, body) }
	}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			other()
		}()
	}
	time.Sleep(50 * time.Millisecond)
	if r := manage(t, s, sw.client, http.MethodDelete, id, tok, ""); r.status != http.StatusNoContent {
		t.Errorf("delete: %s", r.outcome())
	}
	wg.Wait()
}
