// Package keycache supplies the RSA keys of throwaway identities (the embedded default's shared software
// key pool, directory and rogue keys) without a run paying ~50-100 ms of CPU for each: keys kept in a file
// under the user's cache folder from earlier runs, handed out at most once per process, and, when those
// run out, keys generated ahead by background workers. New keys are written back at Close, so the second
// run on a machine generates none. Every identity stays fresh (new software ID, certificates and
// SSA); only the key material of separate runs, against separate in-process banks, repeats.
package keycache

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/dcrconform/dcrconform/harness/pki"
)

// DefaultSize is how many keys the file keeps: more than a run of every profile takes (about 16: the
// shared pool's 4, the directory's, the rogue keys and the second software of a few specs).
const DefaultSize = 64

// DefaultPath is the cache file under the user's cache folder ($XDG_CACHE_HOME, ~/.cache, …).
func DefaultPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "dcrconform", "rsa-2048-keys.pem"), nil
}

// Cache hands out distinct RSA keys. The zero value is not usable; see Open.
type Cache struct {
	path string // "" keeps nothing on disk
	size int

	mu      sync.Mutex
	stored  [][]byte          // DER of cached keys not handed out yet, parsed on demand
	handed  []*rsa.PrivateKey // handed out (or generated) this run, to write back
	fresh   int               // of which generated in this process
	wantGen int               // keys the workers still have to generate
	pending int               // keys the workers started and no caller has received yet
	claims  int               // callers waiting for a key the workers make (wantGen + pending)
	started bool              // workers started

	ahead chan *rsa.PrivateKey
	stop  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
}

// Open reads the cache file at path (a missing or unreadable file is an empty cache; "" means no file).
// Workers on every core generate keys ahead (at most one per core beyond those handed out) once fewer
// than lowWater cached keys are left, until the cache would hold size keys.
func Open(path string, size int) *Cache {
	c := &Cache{path: path, size: max(size, 1), ahead: make(chan *rsa.PrivateKey, runtime.GOMAXPROCS(0)), stop: make(chan struct{})}
	if path != "" {
		if data, err := os.ReadFile(path); err == nil {
			for {
				var block *pem.Block
				block, data = pem.Decode(data)
				if block == nil {
					break
				}
				if block.Type == "PRIVATE KEY" && len(c.stored) < c.size {
					c.stored = append(c.stored, block.Bytes)
				}
			}
		}
	}
	c.mu.Lock()
	c.startLocked()
	c.mu.Unlock()
	return c
}

// lowWater is how few unused cached keys start the workers: a cache that holds what a run takes
// generates nothing, and one that runs short has keys ready one core's key generation later.
func (c *Cache) lowWater() int { return max(1, min(runtime.GOMAXPROCS(0), c.size/2)) }

// startLocked starts the workers, once, when the cached keys run low; c.mu is held.
func (c *Cache) startLocked() {
	if c.started || len(c.stored) >= c.lowWater() {
		return
	}
	c.started = true
	c.wantGen = c.size - len(c.stored) - len(c.handed)
	for range runtime.GOMAXPROCS(0) {
		c.wg.Add(1)
		go c.generate()
	}
}

// Fresh is how many keys this process generated (handed out, or generated ahead and kept).
func (c *Cache) Fresh() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fresh
}

func (c *Cache) generate() {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		if c.wantGen <= 0 {
			c.mu.Unlock()
			return
		}
		c.wantGen--
		c.pending++
		c.mu.Unlock()
		k, err := pki.GenerateRSAKey()
		if err != nil {
			select { // nil: the caller that claimed this key generates its own
			case c.ahead <- nil:
			case <-c.stop:
			}
			return
		}
		select {
		case c.ahead <- k:
		case <-c.stop:
			c.keep(k, true)
			return
		}
	}
}

// keep records a key to write back; fresh says it was generated in this process.
func (c *Cache) keep(k *rsa.PrivateKey, fresh bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.handed = append(c.handed, k)
	if fresh {
		c.fresh++
	}
}

// RSAKey returns a key no earlier call of this Cache returned: a cached one, else one generated ahead,
// else a fresh one.
func (c *Cache) RSAKey() (*rsa.PrivateKey, error) {
	for {
		c.mu.Lock()
		if len(c.stored) == 0 {
			c.mu.Unlock()
			break
		}
		der := c.stored[len(c.stored)-1]
		c.stored = c.stored[:len(c.stored)-1]
		c.startLocked()
		c.mu.Unlock()
		if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
			if r, ok := k.(*rsa.PrivateKey); ok && r.N.BitLen() == 2048 {
				c.keep(r, false)
				return r, nil
			}
		}
		// a damaged entry is dropped (and not written back)
	}
	var k *rsa.PrivateKey
	c.mu.Lock()
	claimed := c.wantGen+c.pending > c.claims
	if claimed {
		c.claims++
	}
	c.mu.Unlock()
	if claimed {
		k = <-c.ahead // a worker's key, ready or soon: no point in racing it for the cores (nil once closed)
		c.mu.Lock()
		c.claims--
		c.pending--
		c.mu.Unlock()
	}
	if k == nil {
		var err error
		if k, err = pki.GenerateRSAKey(); err != nil {
			return nil, err
		}
	}
	c.keep(k, true)
	return k, nil
}

// Close stops the workers (waiting for keys in progress) and writes every key of the file and of this
// run back, at most size, atomically (a concurrent run's write may win; both are whole files).
func (c *Cache) Close() error {
	var err error
	c.once.Do(func() {
		close(c.stop)
		c.mu.Lock()
		c.wantGen = 0
		c.mu.Unlock()
		go func() { c.wg.Wait(); close(c.ahead) }()
		for k := range c.ahead {
			if k != nil {
				c.keep(k, true)
			}
		}
		err = c.save()
	})
	return err
}

func (c *Cache) save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.path == "" || c.fresh == 0 {
		return nil // nothing new to keep
	}
	var buf bytes.Buffer
	n := 0
	for _, der := range c.stored {
		if n < c.size {
			pem.Encode(&buf, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
			n++
		}
	}
	for _, k := range c.handed {
		if n >= c.size {
			break
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return err
		}
		pem.Encode(&buf, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
		n++
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return fmt.Errorf("keycache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".rsa-keys-*")
	if err != nil {
		return fmt.Errorf("keycache: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(buf.Bytes())
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return fmt.Errorf("keycache: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return fmt.Errorf("keycache: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.path); err != nil {
		return fmt.Errorf("keycache: %w", err)
	}
	return nil
}

// Warm makes the cache file at path hold at least n keys (at most size), generating the missing ones on
// every core, so that processes started next find them all.
func Warm(path string, n, size int) error {
	c := Open(path, size)
	for range min(n, size) {
		if _, err := c.RSAKey(); err != nil {
			c.Close()
			return err
		}
	}
	return c.Close()
}
