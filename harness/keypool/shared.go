package keypool

import (
	"context"
	"crypto/rsa"
	"errors"
	"runtime"
	"sync"
)

// DefaultPairs is how many key pairs a run's default software identities share.
const DefaultPairs = 2

// Shared is the RSA key material that a run's default software identities share: a few pairs (a signing
// key and a transport key), made in the background as soon as StartShared is called, on every core, so
// that they are ready while discovery and the positive control run. Identities that share a pair still
// have their own software ID, organisation, certificates and SSA; only an identity that stands for
// "another software's key" needs keys of its own (see target.SoftwareOptions.OwnKeys).
type Shared struct {
	mu    sync.Mutex
	keys  []*rsa.PrivateKey // by index; nil until made
	ready []int             // indices of the pairs made, in the order they were completed
	next  int               // rotation over ready
	err   error             // the first failure, when no pair could be made
	done  int               // keys finished (made or failed)
	wake  chan struct{}     // closed and replaced whenever a pair becomes ready or making ends

	quit chan struct{}
	wg   sync.WaitGroup
	stop sync.Once
}

// StartShared starts making pairs*2 keys with src (pki.NewRSAKey: a key cache's, or freshly generated),
// in order, on up to GOMAXPROCS goroutines.
func StartShared(pairs int, src func() (*rsa.PrivateKey, error)) *Shared {
	pairs = max(pairs, 1)
	s := &Shared{keys: make([]*rsa.PrivateKey, 2*pairs), wake: make(chan struct{}), quit: make(chan struct{})}
	var next int
	var nextMu sync.Mutex
	for range min(runtime.GOMAXPROCS(0), 2*pairs) {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for {
				nextMu.Lock()
				i := next
				next++
				nextMu.Unlock()
				if i >= len(s.keys) {
					return
				}
				select {
				case <-s.quit:
					return
				default:
				}
				k, err := src()
				s.finish(i, k, err)
			}
		}()
	}
	return s
}

// finish records key i (or its failure) and wakes the waiting callers when it completes a pair.
func (s *Shared) finish(i int, k *rsa.PrivateKey, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done++
	if err != nil {
		if s.err == nil {
			s.err = err
		}
	} else {
		s.keys[i] = k
		if p := i / 2; s.keys[2*p] != nil && s.keys[2*p+1] != nil {
			s.ready = append(s.ready, p)
			close(s.wake)
			s.wake = make(chan struct{})
		}
	}
	if s.done == len(s.keys) && len(s.ready) == 0 {
		close(s.wake)
		s.wake = make(chan struct{})
	}
}

// Pair returns a signing key and a transport key (never the same), the next pair in rotation among those
// made so far; it waits only while none is.
func (s *Shared) Pair(ctx context.Context) (signing, transport *rsa.PrivateKey, err error) {
	for {
		s.mu.Lock()
		if n := len(s.ready); n > 0 {
			p := s.ready[s.next%n]
			s.next++
			s.mu.Unlock()
			return s.keys[2*p], s.keys[2*p+1], nil
		}
		if s.done == len(s.keys) {
			err := s.err
			s.mu.Unlock()
			if err == nil {
				err = errors.New("keypool: no shared key pair")
			}
			return nil, nil, err
		}
		wake := s.wake
		s.mu.Unlock()
		select {
		case <-wake:
		case <-s.quit:
			s.mu.Lock()
			none := len(s.ready) == 0
			s.mu.Unlock()
			if none {
				return nil, nil, errors.New("keypool: stopped before a shared key pair was made")
			}
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
}

// Stop stops making keys (a key in progress is finished first).
func (s *Shared) Stop() {
	s.stop.Do(func() { close(s.quit) })
	s.wg.Wait()
}
