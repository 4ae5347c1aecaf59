// Package joseutil signs, decodes and verifies the compact JWS tokens of DCR (SSAs, registration
// requests, client assertions) with go-jose v4, and builds the malformed ones negative tests need.
package joseutil

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/opcount"
)

// Key is a private signing key with the identifiers published beside it.
type Key struct {
	Signer crypto.Signer
	KeyID  string
	Alg    jose.SignatureAlgorithm
	Certs  []*x509.Certificate // optional, published as x5c
}

// NewKey wraps signer, picking PS256 for RSA and ES256 for P-256, with kid the RFC 7638 thumbprint.
func NewKey(signer crypto.Signer) (Key, error) {
	var alg jose.SignatureAlgorithm
	switch signer.(type) {
	case *rsa.PrivateKey:
		alg = jose.PS256
	case *ecdsa.PrivateKey:
		alg = jose.ES256
	default:
		return Key{}, fmt.Errorf("unsupported key type %T", signer)
	}
	kid, err := Thumbprint(signer.Public())
	if err != nil {
		return Key{}, err
	}
	return Key{Signer: signer, KeyID: kid, Alg: alg}, nil
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint of a public key, base64url encoded.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// PublicJWK is the public half of k as a JWK, with use "sig" and, where k has certificates, x5c and x5t#S256.
func (k Key) PublicJWK() jose.JSONWebKey {
	jwk := jose.JSONWebKey{Key: k.Signer.Public(), KeyID: k.KeyID, Algorithm: string(k.Alg), Use: "sig"}
	if len(k.Certs) > 0 {
		jwk.Certificates = k.Certs
		sum := sha256.Sum256(k.Certs[0].Raw)
		jwk.CertificateThumbprintSHA256 = sum[:]
	}
	return jwk
}

// Sign serialises claims as a compact JWS signed with k, with kid and typ in the header.
func Sign(claims any, k Key, typ string) (string, error) {
	return SignAs(claims, k, k.Alg, typ)
}

// SignAs is Sign with an explicit algorithm (for example RS256 with an RSA key that normally signs PS256).
func SignAs(claims any, k Key, alg jose.SignatureAlgorithm, typ string) (string, error) {
	return sign(claims, k, alg, typ, &jose.SignerOptions{}, nil)
}

// SignEmbeddingJWK is Sign with k's public key embedded in the JOSE header as jwk (RFC 7515 section
// 4.1.3), beside its kid: a signature any recipient can check without knowing the key beforehand, which
// proves nothing of who signed.
func SignEmbeddingJWK(claims any, k Key, typ string) (string, error) {
	return sign(claims, k, k.Alg, typ, &jose.SignerOptions{EmbedJWK: true}, nil)
}

// SignWithHeaders is Sign with extra JOSE header parameters (for example jku or x5u, RFC 7515 section 4.1).
func SignWithHeaders(claims any, k Key, typ string, extra map[string]any) (string, error) {
	return sign(claims, k, k.Alg, typ, &jose.SignerOptions{}, extra)
}

// sign serialises claims as a compact JWS signed with k and alg, with kid, typ and the extra header
// parameters in the header.
func sign(claims any, k Key, alg jose.SignatureAlgorithm, typ string, opts *jose.SignerOptions, extra map[string]any) (string, error) {
	opts = opts.WithHeader(jose.HeaderKey("kid"), k.KeyID)
	for name, v := range extra {
		opts = opts.WithHeader(jose.HeaderKey(name), v)
	}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: k.Signer}, opts)
	if err != nil {
		return "", fmt.Errorf("signer %s: %w", alg, err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("marshal claims: %w", err)
	}
	opcount.Signed(k.Signer.Public())
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return jws.CompactSerialize()
}

// SignNone builds an unsecured JWS (alg "none", empty signature), which go-jose refuses to make.
func SignNone(claims any, kid string) (string, error) {
	return rawToken(map[string]any{"alg": "none", "kid": kid, "typ": "JWT"}, claims, nil)
}

// SignHS256 builds an HS256 JWS keyed with secret: used with a public key as the secret to probe
// algorithm-confusion defects.
func SignHS256(claims any, kid string, secret []byte) (string, error) {
	return rawToken(map[string]any{"alg": "HS256", "kid": kid, "typ": "JWT"}, claims, func(input []byte) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write(input)
		return m.Sum(nil)
	})
}

func rawToken(header map[string]any, claims any, sign func([]byte) []byte) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	p, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64(h) + "." + b64(p)
	sig := ""
	if sign != nil {
		sig = b64(sign([]byte(input)))
	}
	return input + "." + sig, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Tamper changes one byte of the signature so that it no longer verifies.
func Tamper(token string) string {
	i := strings.LastIndexByte(token, '.')
	if i < 0 || i == len(token)-1 {
		return token + "x"
	}
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil || len(sig) == 0 {
		return token[:i+1] + "AAAA"
	}
	sig[len(sig)/2] ^= 0xff
	return token[:i+1] + b64(sig)
}

// Decode splits a compact JWS into its header and claims without verifying anything.
func Decode(token string) (header, claims map[string]any, err error) {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("not a compact JWS: %d parts, want 3", len(parts))
	}
	if err := decodePart(parts[0], &header); err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	if err := decodePart(parts[1], &claims); err != nil {
		return nil, nil, fmt.Errorf("payload: %w", err)
	}
	return header, claims, nil
}

func decodePart(s string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("base64url: %w", err)
	}
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("JSON: %w", err)
	}
	if v == nil {
		return errors.New("empty JSON")
	}
	return nil
}

// ErrUnknownKey means no key of the set carries the token's kid.
var ErrUnknownKey = errors.New("no key in the key set matches the token's kid")

// Verify checks a compact JWS against a key set, accepting only algs, and returns its claims and header
// (numbers as json.Number). The key is chosen by kid; a token without kid is tried against every key.
func Verify(token string, set jose.JSONWebKeySet, algs []jose.SignatureAlgorithm) (claims map[string]any, header jose.Header, err error) {
	jws, err := jose.ParseSigned(strings.TrimSpace(token), algs)
	if err != nil {
		return nil, jose.Header{}, fmt.Errorf("parse JWS: %w", err)
	}
	header = jws.Signatures[0].Header
	candidates := set.Keys
	if header.KeyID != "" {
		candidates = set.Key(header.KeyID)
		if len(candidates) == 0 {
			return nil, header, fmt.Errorf("%w %q", ErrUnknownKey, header.KeyID)
		}
	}
	var lastErr error = ErrUnknownKey
	for _, k := range candidates {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		opcount.Verified(k.Public().Key)
		payload, err := jws.Verify(k.Public().Key)
		if err != nil {
			lastErr = fmt.Errorf("signature: %w", err)
			continue
		}
		d := json.NewDecoder(strings.NewReader(string(payload)))
		d.UseNumber()
		if err := d.Decode(&claims); err != nil {
			return nil, header, fmt.Errorf("claims JSON: %w", err)
		}
		if claims == nil {
			return nil, header, errors.New("claims are not a JSON object")
		}
		return claims, header, nil
	}
	return nil, header, lastErr
}
