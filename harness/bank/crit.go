package bank

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

// verifiesIgnoringCrit checks a PS256 or ES256 compact JWS against the key set by hand, without
// go-jose's processing of the crit header: the defect ignore-request-crit takes a request whose crit
// names extensions the bank does not understand (RFC 7515 section 4.1.11 makes such a JWS invalid).
func verifiesIgnoringCrit(token string, set jose.JSONWebKeySet, algs []jose.SignatureAlgorithm) bool {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return false
	}
	header, _, err := joseutil.Decode(token)
	if err != nil {
		return false
	}
	alg, _ := header["alg"].(string)
	kid, _ := header["kid"].(string)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !slices.Contains(algs, jose.SignatureAlgorithm(alg)) {
		return false
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	for _, k := range set.Keys {
		if kid != "" && k.KeyID != kid {
			continue
		}
		switch pub := k.Key.(type) {
		case *rsa.PublicKey:
			if alg == string(jose.PS256) && rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil {
				return true
			}
		case *ecdsa.PublicKey:
			if alg == string(jose.ES256) && len(sig) == 64 &&
				ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
				return true
			}
		}
	}
	return false
}
