package keycache_test

import (
	"crypto/rsa"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dcrconform/dcrconform/harness/keycache"
)

func take(t *testing.T, c *keycache.Cache, n int) []*rsa.PrivateKey {
	t.Helper()
	var out []*rsa.PrivateKey
	for range n {
		k, err := c.RSAKey()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

func distinct(t *testing.T, keys []*rsa.PrivateKey) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k.N.String()] {
			t.Fatal("a key was handed out twice")
		}
		seen[k.N.String()] = true
	}
	return seen
}

// A cold cache generates, writes its keys back (0600), and the next process reuses them without
// generating any, each key still handed out at most once.
func TestWarmCacheGeneratesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "keys.pem")
	cold := keycache.Open(path, 8)
	first := distinct(t, take(t, cold, 8))
	if cold.Fresh() < 8 {
		t.Fatalf("cold cache generated %d keys, want at least 8", cold.Fresh())
	}
	if err := cold.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file mode %v, want 0600", fi.Mode().Perm())
	}

	warm := keycache.Open(path, 8)
	second := distinct(t, take(t, warm, 4))
	if warm.Fresh() != 0 {
		t.Fatalf("warm cache generated %d keys", warm.Fresh())
	}
	for n := range second {
		if !first[n] {
			t.Fatal("a warm cache handed out a key it was not given")
		}
	}
	if err := warm.Close(); err != nil {
		t.Fatal(err)
	}
}

// Without a file every key is generated, and a damaged file counts as empty.
func TestNoFileAndDamagedFile(t *testing.T) {
	c := keycache.Open("", 4)
	distinct(t, take(t, c, 3))
	if c.Fresh() < 3 {
		t.Fatalf("generated %d, want at least 3", c.Fresh())
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(t.TempDir(), "keys.pem")
	if err := os.WriteFile(path, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := keycache.Open(path, 4)
	distinct(t, take(t, d, 2))
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
}

// Callers that find no cached key claim the keys the workers are making: a cold cache asked for as many
// keys as it makes ahead generates no more, however the callers and workers interleave.
func TestColdCacheGeneratesNoMoreThanAsked(t *testing.T) {
	c := keycache.Open("", 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.RSAKey(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if c.Fresh() != 4 {
		t.Fatalf("generated %d keys for 4 callers of a 4-key cache", c.Fresh())
	}
}
