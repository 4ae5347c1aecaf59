package bank

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// jwksPath serves the bank's own key set, its discovery jwks_uri (OpenID Connect Discovery section 3
// requires one): the key the bank would sign ID Tokens with. The harness asks the bank to sign nothing;
// the set is published, and judged, as a bank publishes it.
const jwksPath = "/oauth2/jwks"

// ownKeys are the bank's keys, made on first use.
type ownKeys struct {
	once sync.Once
	sig  *ecdsa.PrivateKey
	kid  string
	err  error
}

func (k *ownKeys) signing() (*ecdsa.PrivateKey, string, error) {
	k.once.Do(func() {
		k.sig, k.err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if k.err != nil {
			return
		}
		var tp []byte
		tp, k.err = (&jose.JSONWebKey{Key: &k.sig.PublicKey}).Thumbprint(crypto.SHA256)
		k.kid = base64.RawURLEncoding.EncodeToString(tp)
	})
	return k.sig, k.kid, k.err
}

func (b *Bank) serveJWKS(w http.ResponseWriter, r *http.Request) {
	key, kid, err := b.own.signing()
	if err != nil {
		b.writeError(w, r, newError(http.StatusInternalServerError, errServerError, "no key: %v", err))
		return
	}
	sig := jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"}
	if b.has("jwks-private-key") {
		sig.Key = key // the private key marshalled whole, d and all
	}
	if b.has("jwks-x5c-stale") {
		cert, err := staleCertificate()
		if err != nil {
			b.writeError(w, r, newError(http.StatusInternalServerError, errServerError, "no certificate: %v", err))
			return
		}
		sig.Certificates = []*x509.Certificate{cert}
	}
	keys := []jose.JSONWebKey{sig}
	if b.has("jwks-same-key-sig-enc") {
		keys = append(keys, jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid + "-enc", Algorithm: "ECDH-ES", Use: "enc"})
	}
	if b.has("jwks-mixed-without-use") {
		enc, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			b.writeError(w, r, newError(http.StatusInternalServerError, errServerError, "no key: %v", err))
			return
		}
		keys[0].Use = ""
		keys = append(keys, jose.JSONWebKey{Key: &enc.PublicKey, KeyID: "enc-1", Algorithm: "RSA-OAEP-256"})
	}
	writeCacheableJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: keys})
}

// staleCertificate is a self-signed certificate of another key than the one it is published beside: a
// certificate left from before a key rotation (the defect jwks-x5c-stale).
func staleCertificate() (*x509.Certificate, error) {
	old, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "reference bank signing key (rotated)"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &old.PublicKey, old)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}
