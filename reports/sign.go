package reports

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Signed records. A signed JSON record carries a "signature" member: a compact JWS (go-jose) whose
// payload names the SHA-256 digest of the record without that member, in a canonical form (the JSON
// re-encoded with sorted keys and no insignificant space, numbers as written), and the digests of each
// of its parts, so that verification says which part was changed. The payload also carries the tool
// version, the target, the catalogue digest and the time of signing.

// SignatureType is the "typ" of the JWS header and of the signed claims.
const SignatureType = "dcrconform.record-signature/v1"

// Signature is the signature block of a signed record.
type Signature struct {
	JWS           string    `json:"jws"`
	Algorithm     string    `json:"alg"`
	KeyThumbprint string    `json:"key_thumbprint"` // RFC 7638 SHA-256 thumbprint of the public key, also the JWS kid
	SignedAt      time.Time `json:"signed_at"`
}

// SignedClaims is the JWS payload.
type SignedClaims struct {
	Type            string            `json:"typ"`
	Digest          string            `json:"digest"` // "sha256:<hex>" of the canonical record without "signature"
	Parts           map[string]string `json:"parts"`  // part name -> digest: "member:<name>" and "spec:<target>/<ID>"
	ToolVersion     string            `json:"tool_version"`
	Target          Target            `json:"target"`
	CatalogueDigest string            `json:"catalogue_digest,omitempty"`
	SignedAt        time.Time         `json:"signed_at"`
}

// CatalogueDigest is the digest of a scenario catalogue: which specs, expecting what, produced a record.
func CatalogueDigest(cat []Scenario) string {
	b, _ := json.Marshal(cat)
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Sign signs the run as WriteJSON writes it and sets run.Signature. Any earlier signature is replaced.
func Sign(run *Run, key crypto.Signer, now time.Time) error {
	alg, err := signingAlg(key)
	if err != nil {
		return err
	}
	kid, err := KeyThumbprint(key.Public())
	if err != nil {
		return err
	}
	run.Signature = nil
	var buf bytes.Buffer
	if err := WriteJSON(&buf, run); err != nil {
		return err
	}
	digest, parts, err := recordDigests(buf.Bytes())
	if err != nil {
		return err
	}
	now = now.UTC().Truncate(time.Second)
	claims := SignedClaims{Type: SignatureType, Digest: digest, Parts: parts, ToolVersion: run.ToolVersion,
		Target: run.Target, CatalogueDigest: run.CatalogueDigest, SignedAt: now}
	payload, err := json.Marshal(claims)
	if err != nil {
		return err
	}
	opts := (&jose.SignerOptions{}).WithType(SignatureType).WithHeader("kid", kid)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	compact, err := jws.CompactSerialize()
	if err != nil {
		return err
	}
	run.Signature = &Signature{JWS: compact, Algorithm: string(alg), KeyThumbprint: kid, SignedAt: now}
	return nil
}

func signingAlg(key crypto.Signer) (jose.SignatureAlgorithm, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return "", fmt.Errorf("sign: RSA key of %d bits: want at least 2048", k.N.BitLen())
		}
		return jose.PS256, nil
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P256():
			return jose.ES256, nil
		case elliptic.P384():
			return jose.ES384, nil
		case elliptic.P521():
			return jose.ES512, nil
		}
	case ed25519.PrivateKey:
		return jose.EdDSA, nil
	}
	return "", fmt.Errorf("sign: unsupported key type %T (want RSA, ECDSA P-256/384/521 or Ed25519)", key)
}

// KeyThumbprint is the RFC 7638 SHA-256 thumbprint of a public key, base64url encoded.
func KeyThumbprint(pub crypto.PublicKey) (string, error) {
	tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// recordDigests canonicalises a JSON record without its "signature" member and digests it whole and by part.
func recordDigests(data []byte) (digest string, parts map[string]string, err error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return "", nil, fmt.Errorf("not a JSON record: %w", err)
	}
	delete(members, "signature")
	whole := map[string]any{}
	parts = map[string]string{}
	for name, raw := range members {
		v, err := decodeNumbers(raw)
		if err != nil {
			return "", nil, fmt.Errorf("member %s: %w", name, err)
		}
		whole[name] = v
		if name != "specs" {
			parts["member:"+name] = digestOf(v)
			continue
		}
		specs, ok := v.([]any)
		if !ok {
			parts["member:specs"] = digestOf(v)
			continue
		}
		for i, s := range specs {
			key := fmt.Sprintf("spec:#%d", i)
			if m, ok := s.(map[string]any); ok {
				target, _ := m["target"].(string)
				id, _ := m["id"].(string)
				key = "spec:" + target + "/" + id
				if _, dup := parts[key]; dup {
					key += fmt.Sprintf("#%d", i)
				}
			}
			parts[key] = digestOf(s)
		}
		parts["member:specs(order)"] = digestOf(len(specs))
	}
	return digestOf(whole), parts, nil
}

func decodeNumbers(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// digestOf is "sha256:<hex>" of v encoded canonically (encoding/json sorts map keys).
func digestOf(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // v holds only JSON values
	sum := sha256.Sum256(b.Bytes())
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Verification is what VerifyRecord found. The record is intact and signed by the key when Problems is empty.
type Verification struct {
	Claims        SignedClaims
	Algorithm     string
	KeyThumbprint string   // of the key that signed (the JWS kid)
	Problems      []string // what was tampered with, or why the signature does not hold
}

// OK reports whether the signature holds.
func (v *Verification) OK() bool { return len(v.Problems) == 0 }

// VerifyRecord checks the signature of a JSON record (as written) with the public key pub. An error means
// the record could not be checked at all (not JSON, not signed); a broken signature or a changed record
// is a Verification with Problems naming each change.
func VerifyRecord(data []byte, pub crypto.PublicKey) (*Verification, error) {
	data, err := gunzipped(data)
	if err != nil {
		return nil, err
	}
	var head struct {
		Signature *Signature `json:"signature"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("not a JSON record: %w", err)
	}
	if head.Signature == nil || head.Signature.JWS == "" {
		return nil, errors.New("the record is not signed (no signature member): sign it with --sign-key")
	}
	sig := head.Signature
	want, err := KeyThumbprint(pub)
	if err != nil {
		return nil, err
	}
	v := &Verification{}
	jws, err := jose.ParseSigned(sig.JWS, []jose.SignatureAlgorithm{jose.PS256, jose.ES256, jose.ES384, jose.ES512, jose.EdDSA})
	if err != nil || len(jws.Signatures) != 1 {
		v.Problems = append(v.Problems, fmt.Sprintf("signature.jws is not a compact JWS of this tool: %v", err))
		return v, nil
	}
	h := jws.Signatures[0].Header
	v.KeyThumbprint, v.Algorithm = h.KeyID, h.Algorithm
	if h.KeyID != want {
		v.Problems = append(v.Problems, fmt.Sprintf("signed by key %s, not by the given key %s", h.KeyID, want))
		return v, nil
	}
	payload, err := jws.Verify(pub)
	if err != nil {
		v.Problems = append(v.Problems, "signature.jws does not verify with the given key: the signature or its payload was altered")
		return v, nil
	}
	if err := json.Unmarshal(payload, &v.Claims); err != nil || v.Claims.Type != SignatureType {
		v.Problems = append(v.Problems, fmt.Sprintf("the signed payload is not a %s", SignatureType))
		return v, nil
	}
	c := v.Claims
	// The signature block's plain fields must repeat what is signed.
	if sig.KeyThumbprint != h.KeyID {
		v.Problems = append(v.Problems, fmt.Sprintf("signature.key_thumbprint changed: %s, signed %s", sig.KeyThumbprint, h.KeyID))
	}
	if sig.Algorithm != h.Algorithm {
		v.Problems = append(v.Problems, fmt.Sprintf("signature.alg changed: %s, signed %s", sig.Algorithm, h.Algorithm))
	}
	if !sig.SignedAt.Equal(c.SignedAt) {
		v.Problems = append(v.Problems, fmt.Sprintf("signature.signed_at changed: %s, signed %s", sig.SignedAt.Format(time.RFC3339), c.SignedAt.Format(time.RFC3339)))
	}
	digest, parts, err := recordDigests(data)
	if err != nil {
		return nil, err
	}
	if digest != c.Digest {
		v.Problems = append(v.Problems, diffParts(c.Parts, parts)...)
		if len(v.Problems) == 0 {
			v.Problems = append(v.Problems, "the record was changed (its digest differs)")
		}
	}
	return v, nil
}

// diffParts names the parts changed, removed or added between the signed digests and the record's.
func diffParts(signed, now map[string]string) []string {
	var out []string
	for _, k := range sortedKeys(signed) {
		switch d, ok := now[k]; {
		case !ok:
			out = append(out, partName(k)+" was removed")
		case d != signed[k]:
			out = append(out, partName(k)+" was changed")
		}
	}
	for _, k := range sortedKeys(now) {
		if _, ok := signed[k]; !ok {
			out = append(out, partName(k)+" was added")
		}
	}
	return out
}

func partName(k string) string {
	switch {
	case k == "member:specs(order)":
		return "the number of specs"
	case k == "member:jwts_shared":
		return "member jwts_shared (the header members and claims the decoded JWTs share)"
	case len(k) > 7 && k[:7] == "member:":
		return "member " + k[7:]
	case len(k) > 5 && k[:5] == "spec:":
		return "spec " + k[5:]
	}
	return k
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ParsePublicKeyPEM reads the key that verifies a record: a PUBLIC KEY, a CERTIFICATE, or (for
// convenience) a private key, whose public half is used.
func ParsePublicKeyPEM(data []byte, parsePrivate func([]byte) (crypto.Signer, error)) (crypto.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	switch block.Type {
	case "PUBLIC KEY":
		return x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		return c.PublicKey, nil
	}
	k, err := parsePrivate(data)
	if err != nil {
		return nil, fmt.Errorf("PEM %q: not a public key, certificate or private key: %w", block.Type, err)
	}
	return k.Public(), nil
}
