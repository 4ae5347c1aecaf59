package keypool

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dcrconform/dcrconform/harness/pki"
)

func TestRotationSaveAndLoad(t *testing.T) {
	p, err := New(2)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := p.Key("RSA")
	b, _ := p.Key("")
	c, _ := p.Key("RSA")
	if a == b || a != c {
		t.Fatal("want consecutive keys distinct and the pool to wrap after 2")
	}
	if ec, _ := p.Key("EC"); ec.(*ecdsa.PrivateKey) == nil {
		t.Fatal("no EC key")
	}
	if _, err := p.Key("DSA"); err == nil {
		t.Fatal("unknown key type accepted")
	}
	path := filepath.Join(t.TempDir(), "pool.pem")
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	q, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.rsa) != 2 || !q.rsa[0].Equal(p.rsa[0]) {
		t.Fatal("loaded pool differs")
	}
}

func TestSharedPairsRotateAmongReadyPairs(t *testing.T) {
	var made []*rsa.PrivateKey
	var mu sync.Mutex
	src := func() (*rsa.PrivateKey, error) {
		k, err := pki.GenerateRSAKey()
		mu.Lock()
		made = append(made, k)
		mu.Unlock()
		return k, err
	}
	s := StartShared(2, src)
	defer s.Stop()
	seen := map[*rsa.PrivateKey]bool{}
	for range 6 {
		sig, tls, err := s.Pair(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if sig == tls {
			t.Fatal("a pair's signing and transport keys are the same key")
		}
		seen[sig], seen[tls] = true, true
	}
	s.Stop()
	if len(made) != 4 {
		t.Fatalf("made %d keys, want 2 pairs' 4", len(made))
	}
	if len(seen) < 2 || len(seen) > 4 {
		t.Fatalf("handed out %d distinct keys, want the keys of 1 or 2 pairs", len(seen))
	}
}

func TestSharedFailureIsAnError(t *testing.T) {
	s := StartShared(1, func() (*rsa.PrivateKey, error) { return nil, errors.New("no entropy") })
	defer s.Stop()
	if _, _, err := s.Pair(context.Background()); err == nil || !strings.Contains(err.Error(), "no entropy") {
		t.Fatalf("Pair = %v, want the source's error", err)
	}
}
