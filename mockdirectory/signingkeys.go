package mockdirectory

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"slices"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
)

func algOf(alg string) (jose.SignatureAlgorithm, error) {
	switch alg {
	case "", string(jose.PS256):
		return jose.PS256, nil
	case string(jose.ES256):
		return jose.ES256, nil
	}
	return "", invalid("alg", "must be PS256 or ES256")
}

// newKeyFor generates a key that signs alg: a P-256 EC key for ES256, else a 2048-bit RSA key.
func newKeyFor(alg jose.SignatureAlgorithm) (crypto.Signer, error) {
	var signer crypto.Signer
	var err error
	if alg == jose.ES256 {
		signer, err = pki.NewECKey()
	} else {
		signer, err = pki.NewRSAKey()
	}
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return signer, nil
}

// newDirectoryKey makes a directory signing key with a certificate from the issuing CA.
func (d *Directory) newDirectoryKey(alg jose.SignatureAlgorithm) (dirKey, error) {
	signer, err := newKeyFor(alg)
	if err != nil {
		return dirKey{}, err
	}
	cert, err := d.ca.IssueSigning(pkix.Name{
		Country: []string{"GB"}, Organization: []string{"OpenBanking"}, OrganizationalUnit: []string{"Directory"},
		CommonName: "OpenBanking Directory SSA Signing",
	}, signer)
	if err != nil {
		return dirKey{}, err
	}
	k, err := joseutil.NewKey(signer)
	if err != nil {
		return dirKey{}, err
	}
	k.Certs = []*x509.Certificate{cert, d.ca.Issuing}
	return dirKey{key: k, created: d.now().UTC()}, nil
}

// RotateSigningKey adds a directory signing key for alg (PS256 or ES256) and makes it the active key of
// that alg. The previous keys stay published until retired.
func (d *Directory) RotateSigningKey(alg string) (kid string, err error) {
	a, err := algOf(alg)
	if err != nil {
		return "", err
	}
	k, err := d.newDirectoryKey(a)
	if err != nil {
		return "", err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	keys := append(slices.Clone(d.dirKeys), k)
	if err := d.saveDirectoryKey(k); err != nil {
		return "", err
	}
	if err := d.saveDirectoryIndex(keys); err != nil {
		return "", err
	}
	d.dirKeys = keys
	d.rebuildDirectorySets()
	d.log.Info("directory signing key rotated", "alg", a, "kid", k.key.KeyID)
	return k.key.KeyID, nil
}

// RetireSigningKey stops publishing a directory signing key. The only key of an alg cannot be retired.
func (d *Directory) RetireSigningKey(kid string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := slices.IndexFunc(d.dirKeys, func(k dirKey) bool { return k.key.KeyID == kid })
	if i < 0 {
		return notFound("signing key", kid)
	}
	alg := d.dirKeys[i].key.Alg
	n := 0
	for _, k := range d.dirKeys {
		if k.key.Alg == alg {
			n++
		}
	}
	if n < 2 {
		return conflict("kid", "key %q is the only %s signing key: rotate first", kid, alg)
	}
	keys := slices.Delete(slices.Clone(d.dirKeys), i, i+1)
	if err := d.saveDirectoryIndex(keys); err != nil {
		return err
	}
	if d.st != nil { // unreferenced now; a failure here leaves harmless orphans
		_ = d.st.remove("keys/" + kid + ".pem")
		_ = d.st.remove("keys/" + kid + "-key.pem")
	}
	d.dirKeys = keys
	d.rebuildDirectorySets()
	d.log.Info("directory signing key retired", "kid", kid)
	return nil
}

// SigningKeys lists the published directory signing keys; Status is "active" for the key of each alg
// that signs new SSAs and "published" for the others.
func (d *Directory) SigningKeys() []KeyInfo {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]KeyInfo, 0, len(d.dirKeys))
	for _, k := range d.dirKeys {
		info := KeyInfo{KeyID: k.key.KeyID, Alg: string(k.key.Alg), Use: "sig", Status: "published", CreatedAt: k.created}
		if a, _ := d.activeKeyLocked(k.key.Alg); a.KeyID == k.key.KeyID {
			info.Status = "active"
		}
		fillCertInfo(&info, k.key)
		out = append(out, info)
	}
	return out
}

// activeKeyLocked is the newest published key of alg. Callers hold d.mu.
func (d *Directory) activeKeyLocked(alg jose.SignatureAlgorithm) (joseutil.Key, bool) {
	for i := len(d.dirKeys) - 1; i >= 0; i-- {
		if d.dirKeys[i].key.Alg == alg {
			return d.dirKeys[i].key, true
		}
	}
	return joseutil.Key{}, false
}

// SigningKey returns the directory's active private signing key for alg (PS256 or ES256): for tests and
// benchmarks that need the raw key.
func (d *Directory) SigningKey(alg string) (joseutil.Key, error) {
	a, err := algOf(alg)
	if err != nil {
		return joseutil.Key{}, err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	k, ok := d.activeKeyLocked(a)
	if !ok {
		return joseutil.Key{}, notFound("signing key for", string(a))
	}
	return copyKey(k), nil
}
