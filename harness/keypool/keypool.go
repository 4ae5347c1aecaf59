// Package keypool hands out pre-generated RSA keys in rotation, for throwaway runs (tests, the
// defect self-test) whose time would otherwise go to RSA key generation. EC keys are cheap and always fresh.
package keypool

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/dcrconform/dcrconform/harness/pki"
)

// Pool is a fixed set of RSA keys. Consecutive Key calls return distinct keys until the pool wraps.
type Pool struct {
	rsa  []*rsa.PrivateKey
	next atomic.Uint64
}

// New generates n RSA keys, in parallel.
func New(n int) (*Pool, error) {
	if n < 1 {
		return nil, fmt.Errorf("keypool: size %d, want at least 1", n)
	}
	p := &Pool{rsa: make([]*rsa.PrivateKey, n)}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.rsa[i], errs[i] = pki.NewRSAKey()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Key returns the next RSA key for "RSA" (or ""), and a fresh P-256 key for "EC".
func (p *Pool) Key(keyType string) (crypto.Signer, error) {
	switch keyType {
	case "EC":
		return pki.NewECKey()
	case "", "RSA":
		return p.rsa[(p.next.Add(1)-1)%uint64(len(p.rsa))], nil
	default:
		return nil, fmt.Errorf("keypool: unknown key type %q", keyType)
	}
}

// Save writes the pool as PEM to path (mode 0600), for child processes to Load.
func (p *Pool) Save(path string) error {
	var b bytes.Buffer
	for _, k := range p.rsa {
		der, err := pki.KeyPEM(k)
		if err != nil {
			return err
		}
		b.Write(der)
	}
	return os.WriteFile(path, b.Bytes(), 0o600)
}

// Load reads a pool written by Save.
func Load(path string) (*Pool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keypool: %w", err)
	}
	p := &Pool{}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		k, err := pki.ParseKeyPEM(pem.EncodeToMemory(block))
		if err != nil {
			return nil, fmt.Errorf("keypool %s: %w", path, err)
		}
		r, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("keypool %s: %T is not an RSA key", path, k)
		}
		p.rsa = append(p.rsa, r)
	}
	if len(p.rsa) == 0 {
		return nil, fmt.Errorf("keypool %s: no keys", path)
	}
	return p, nil
}

// PrivateMaterial returns, for every key of the pool, the strings that would give it away if they
// appeared in a file: the JWK "d" member (base64url) and the body of its PEM encoding.
func (p *Pool) PrivateMaterial() []string {
	var out []string
	for _, k := range p.rsa {
		out = append(out, base64.RawURLEncoding.EncodeToString(k.D.Bytes()))
		if der, err := x509.MarshalPKCS8PrivateKey(k); err == nil {
			out = append(out, base64.StdEncoding.EncodeToString(der)[:64])
		}
	}
	return out
}
