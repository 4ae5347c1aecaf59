package bank

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const (
	maxKeySetBytes  = 1 << 20
	fetchTimeout    = 10 * time.Second
	directoryKeyTTL = 30 * time.Second
)

// fetchKeySet downloads a JWKS, keeping only the public signing keys it can use. It is bounded in
// time and bytes whatever HTTP client it was given.
func (b *Bank) fetchKeySet(ctx context.Context, url string) (jose.JSONWebKeySet, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("key set URL %q: %w", url, err)
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	resp, err := b.httpClient.Do(req)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("fetch key set %q: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return jose.JSONWebKeySet{}, fmt.Errorf("fetch key set %q: status %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeySetBytes+1))
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("read key set %q: %w", url, err)
	}
	if len(body) > maxKeySetBytes {
		return jose.JSONWebKeySet{}, fmt.Errorf("key set %q is over %d bytes", url, maxKeySetBytes)
	}
	return parseKeySet(body)
}

// parseKeySet reads a JWKS key by key, skipping keys go-jose cannot parse and symmetric keys, so
// one odd entry does not hide the others and no shared secret can verify anything.
func parseKeySet(body []byte) (jose.JSONWebKeySet, error) {
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("key set is not a JWKS: %w", err)
	}
	var set jose.JSONWebKeySet
	for _, k := range raw.Keys {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(k); err != nil {
			continue
		}
		pub := jwk.Public()
		switch pub.Key.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
			set.Keys = append(set.Keys, pub)
		}
	}
	return set, nil
}

// directoryKeys caches the directory's key set briefly and refetches it when kid is not in it.
type directoryKeys struct {
	mu      sync.Mutex
	set     jose.JSONWebKeySet
	fetched time.Time
}

func (b *Bank) directoryKeySet(ctx context.Context, url, kid string) (jose.JSONWebKeySet, error) {
	b.dirKeysMu.Lock()
	if b.dirKeys == nil {
		b.dirKeys = map[string]*directoryKeys{}
	}
	d := b.dirKeys[url]
	if d == nil {
		d = &directoryKeys{}
		b.dirKeys[url] = d
	}
	b.dirKeysMu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	fresh := !d.fetched.IsZero() && time.Since(d.fetched) < directoryKeyTTL
	if fresh && (kid == "" || len(d.set.Key(kid)) > 0) {
		return d.set, nil
	}
	set, err := b.fetchKeySet(ctx, url)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	d.set, d.fetched = set, time.Now()
	return set, nil
}
