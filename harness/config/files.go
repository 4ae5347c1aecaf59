package config

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/dcrconform/dcrconform/harness/pki"
)

// MinRSABits is the smallest RSA key the harness accepts for transport or signing: the FAPI security
// profiles the UK and CDR build on require 2048 bits, so a conforming bank refuses a smaller key and every
// spec would fail for the harness's fault, not the bank's.
const MinRSABits = 2048

// checkFiles reads every file the config names and checks what a run would otherwise only find out spec by
// spec: a transport certificate outside its validity, an EC key whose curve does not fit signing_alg, an RSA
// key under MinRSABits. Load calls it, and keeps what it read for BuildTarget; each error names its field.
func (c *Config) checkFiles(now time.Time) error {
	var errs []error
	var err error
	if c.Target.CABundle != "" {
		if c.caCerts, err = readCABundle(c.Target.CABundle); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Software != nil {
		if c.software, err = c.Software.loadAt(now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func readCABundle(path string) ([]*x509.Certificate, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("target.ca_bundle: %w", err)
	}
	certs, err := pki.ParseCertsPEM(pem)
	if err != nil {
		return nil, fmt.Errorf("target.ca_bundle: %w", err)
	}
	return certs, nil
}

// checkTransport checks the transport certificate's validity at now and its key's size.
func checkTransport(cert tls.Certificate, now time.Time) error {
	leaf := cert.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return fmt.Errorf("software.transport_cert: %w", err)
		}
	}
	const layout = "2006-01-02 15:04:05 UTC"
	switch {
	case now.Before(leaf.NotBefore):
		return fmt.Errorf("software.transport_cert: not valid yet: valid from %s (now %s)", leaf.NotBefore.UTC().Format(layout), now.UTC().Format(layout))
	case now.After(leaf.NotAfter):
		return fmt.Errorf("software.transport_cert: expired at %s (now %s)", leaf.NotAfter.UTC().Format(layout), now.UTC().Format(layout))
	}
	if k, ok := leaf.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < MinRSABits {
		return fmt.Errorf("software.transport_key: a %d-bit RSA key: at least %d bits are required", k.N.BitLen(), MinRSABits)
	}
	return nil
}

// checkSigningKey checks that the signing key can sign alg ("" = the key's own: PS256 for RSA, ES256 for EC).
func checkSigningKey(key crypto.Signer, alg string) error {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < MinRSABits {
			return fmt.Errorf("software.signing_key: a %d-bit RSA key: at least %d bits are required", bits, MinRSABits)
		}
		if alg != "" && alg != "PS256" {
			return fmt.Errorf("software.signing_alg: %s needs a P-256 EC key; software.signing_key is an RSA key (PS256)", alg)
		}
	case *ecdsa.PrivateKey:
		curve := k.Curve.Params().Name
		if k.Curve == elliptic.P256() {
			if alg != "" && alg != "ES256" {
				return fmt.Errorf("software.signing_alg: %s needs an RSA key; software.signing_key is a P-256 EC key (ES256)", alg)
			}
			return nil
		}
		if alg != "" {
			return fmt.Errorf("software.signing_alg: %s does not fit software.signing_key, an EC key on %s (ES256 needs P-256; PS256 an RSA key)", alg, curve)
		}
		return fmt.Errorf("software.signing_key: an EC key on %s: the harness signs ES256, which needs P-256", curve)
	default:
		return fmt.Errorf("software.signing_key: unsupported key type %T: want RSA (PS256) or EC P-256 (ES256)", key)
	}
	return nil
}
