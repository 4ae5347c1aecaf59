package common

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/suites/framework"
)

// judgeKeySet judges a bank's JWK Set (OpenID Connect Discovery section 3, jwks_uri; RFC 8414 section
// 2): public keys only; use on every key where signing and encryption keys are both published; an x5c's
// certificate of the key beside it; no key published for both uses.
func judgeKeySet(c *framework.Checks, keys []any) {
	var sig, enc, bare int
	uses := map[string][]string{} // key thumbprint: the uses it is published for
	for i, k := range keys {
		key, _ := k.(map[string]any)
		for _, member := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
			if _, ok := key[member]; ok {
				c.AddFor([]string{"OIDD-3-JWKS-PRIVATE"}, "public keys only", "key %d (kid %v, kty %v) has %q", i, key["kid"], key["kty"], member)
			}
		}
		use := purpose(key)
		switch use {
		case "sig":
			sig++
		case "enc":
			enc++
		}
		if _, ok := key["use"]; !ok {
			bare++
		}
		pub, err := bareKey(key)
		if err == nil && pub == nil {
			continue // a symmetric key, judged above
		}
		if err != nil {
			if _, ok := key["x5c"]; ok {
				c.AddFor([]string{"OIDD-3-JWKS-X5C"}, "the bare key beside x5c", "key %d (kid %v): %v", i, key["kid"], err)
			}
			continue
		}
		if chain, ok := key["x5c"].([]any); ok && len(chain) > 0 {
			if msg := certOf(chain[0], pub); msg != "" {
				c.AddFor([]string{"OIDD-3-JWKS-X5C"}, "x5c's first certificate of the key beside it", "key %d (kid %v): %s", i, key["kid"], msg)
			}
		}
		if tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256); err == nil && use != "" {
			uses[string(tp)] = append(uses[string(tp)], use)
		}
	}
	if sig > 0 && enc > 0 && bare > 0 {
		c.AddFor([]string{"OIDD-3-JWKS-USE", "RFC8414-2-JWKS-USE"}, "use on every key of a set with signing and encryption keys",
			"%d signing and %d encryption keys, %d without use", sig, enc, bare)
	}
	for _, u := range uses {
		if strings.Contains(strings.Join(u, " "), "sig") && strings.Contains(strings.Join(u, " "), "enc") {
			c.AddFor([]string{"OIDD-3-JWKS-SAME-KEY"}, "a key for signatures or for encryption, not both", "one key published for %v", u)
		}
	}
}

// purpose is a key's use, or for a key without one, what its alg says (JWA's JWS and JWE key
// management algorithms); "" when neither tells.
func purpose(key map[string]any) string {
	if use, _ := key["use"].(string); use != "" {
		return use
	}
	alg, _ := key["alg"].(string)
	switch {
	case len(alg) == 5 && strings.ContainsAny(alg[:1], "RPEH") && alg[1] == 'S', alg == "EdDSA":
		return "sig"
	case strings.HasPrefix(alg, "RSA"), strings.HasPrefix(alg, "ECDH-ES"), strings.HasSuffix(alg, "KW"), alg == "dir":
		return "enc"
	}
	return ""
}

// bareKey is the public key a JWK's own members give, read without its x5c.
func bareKey(key map[string]any) (crypto.PublicKey, error) {
	bare := map[string]any{}
	for k, v := range key {
		if k != "x5c" && k != "x5t" && k != "x5t#S256" {
			bare[k] = v
		}
	}
	raw, err := json.Marshal(bare)
	if err != nil {
		return nil, err
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(raw); err != nil {
		return nil, err
	}
	return jwk.Public().Key, nil
}

// certOf says how x5c's certificate is not one of pub ("" when it is).
func certOf(x5c any, pub crypto.PublicKey) string {
	s, _ := x5c.(string)
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "not base64: " + err.Error()
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return "not a certificate: " + err.Error()
	}
	if eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(cert.PublicKey) {
		return "its certificate (" + cert.Subject.String() + ") is of another key"
	}
	return ""
}
