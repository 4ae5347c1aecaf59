// Package pki is a small certificate authority: a root, an issuing CA under it, and leaf certificates
// for TLS servers, mTLS clients and signing keys. It serves throwaway PKIs in tests and the mock directory.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"sync/atomic"
	"time"

	"github.com/dcrconform/dcrconform/harness/opcount"
)

// CA is a two-level certificate authority: a self-signed root and an issuing CA signed by it.
type CA struct {
	Root       *x509.Certificate
	RootKey    crypto.Signer
	Issuing    *x509.Certificate
	IssuingKey crypto.Signer
}

// Validity of issued leaf certificates.
const leafValidity = 365 * 24 * time.Hour

// NewCA creates a root and an issuing CA with ECDSA P-256 keys.
func NewCA(name string) (*CA, error) {
	rootKey, err := NewECKey()
	if err != nil {
		return nil, err
	}
	now := time.Now().Add(-time.Hour)
	rootTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name + " Root CA", Organization: []string{name}},
		NotBefore:             now,
		NotAfter:              now.Add(10 * leafValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	root, err := createCert(rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	if err != nil {
		return nil, err
	}
	issKey, err := NewECKey()
	if err != nil {
		return nil, err
	}
	issTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name + " Issuing CA", Organization: []string{name}},
		NotBefore:             now,
		NotAfter:              now.Add(5 * leafValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	iss, err := createCert(issTmpl, root, issKey.Public(), rootKey)
	if err != nil {
		return nil, err
	}
	return &CA{Root: root, RootKey: rootKey, Issuing: iss, IssuingKey: issKey}, nil
}

// Pool is a pool holding the root, for verifying peers.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Root)
	return p
}

// IntermediatePool holds the issuing CA, for verifying chains sent without it.
func (ca *CA) IntermediatePool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Issuing)
	return p
}

// BundlePEM is the issuing CA followed by the root, for a relying party's trust store.
func (ca *CA) BundlePEM() []byte {
	return append(CertPEM(ca.Issuing), CertPEM(ca.Root)...)
}

// IssueServer issues a TLS server certificate for the given DNS names and IP addresses.
func (ca *CA) IssueServer(hosts ...string) (tls.Certificate, error) {
	key, err := NewECKey()
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := ca.leafTemplate(pkix.Name{CommonName: first(hosts, "localhost")})
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	cert, err := createCert(tmpl, ca.Issuing, key.Public(), ca.IssuingKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return ca.TLSCertificate(cert, key), nil
}

// IssueClient issues an mTLS client (transport) certificate with the given subject for key.
func (ca *CA) IssueClient(subject pkix.Name, key crypto.Signer) (*x509.Certificate, error) {
	tmpl := ca.leafTemplate(subject)
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	return createCert(tmpl, ca.Issuing, key.Public(), ca.IssuingKey)
}

// IssueSigning issues a certificate for a signing key (JWS), published as x5c beside the key.
func (ca *CA) IssueSigning(subject pkix.Name, key crypto.Signer) (*x509.Certificate, error) {
	tmpl := ca.leafTemplate(subject)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	return createCert(tmpl, ca.Issuing, key.Public(), ca.IssuingKey)
}

// TLSCertificate pairs a leaf issued by this CA with its key and the issuing CA in the chain.
func (ca *CA) TLSCertificate(leaf *x509.Certificate, key crypto.Signer) tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{leaf.Raw, ca.Issuing.Raw}, PrivateKey: key, Leaf: leaf}
}

// Verify checks that cert chains to this CA's root through the issuing CA.
func (ca *CA) Verify(cert *x509.Certificate, usage x509.ExtKeyUsage) error {
	chains, err := cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), Intermediates: ca.IntermediatePool(), KeyUsages: []x509.ExtKeyUsage{usage}})
	opcount.Chains(chains)
	return err
}

func (ca *CA) leafTemplate(subject pkix.Name) *x509.Certificate {
	now := time.Now().Add(-time.Hour)
	return &x509.Certificate{
		SerialNumber: serial(),
		Subject:      subject,
		NotBefore:    now,
		NotAfter:     now.Add(leafValidity),
	}
}

// NewECKey makes a P-256 key.
func NewECKey() (*ecdsa.PrivateKey, error) {
	opcount.Add(opcount.ECKeyGen)
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// NewRSAKey returns a 2048-bit RSA key no one else in this process holds: from the source set with
// SetRSAKeySource, else freshly generated.
func NewRSAKey() (*rsa.PrivateKey, error) {
	if src := rsaSource.Load(); src != nil {
		return (*src)()
	}
	return GenerateRSAKey()
}

// GenerateRSAKey generates a 2048-bit RSA key (the slow path NewRSAKey avoids when it has a source).
func GenerateRSAKey() (*rsa.PrivateKey, error) {
	opcount.Add(opcount.RSAKeyGen)
	return rsa.GenerateKey(rand.Reader, 2048)
}

var rsaSource atomic.Pointer[func() (*rsa.PrivateKey, error)]

// SetRSAKeySource makes NewRSAKey take its keys from src (nil: generate each). src must never hand
// out a key twice in a process (see harness/keycache).
func SetRSAKeySource(src func() (*rsa.PrivateKey, error)) {
	if src == nil {
		rsaSource.Store(nil)
		return
	}
	rsaSource.Store(&src)
}

// CertPEM encodes a certificate as PEM.
func CertPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// KeyPEM encodes a private key as PKCS#8 PEM.
func KeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseCertsPEM reads every CERTIFICATE block of a PEM bundle.
func ParseCertsPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM CERTIFICATE block found")
	}
	return certs, nil
}

// ParseKeyPEM reads a PKCS#8, PKCS#1 or SEC 1 private key.
func ParseKeyPEM(data []byte) (crypto.Signer, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("no PEM private key block found")
		}
		switch block.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse PKCS#8 key: %w", err)
			}
			s, ok := k.(crypto.Signer)
			if !ok {
				return nil, fmt.Errorf("unsupported key type %T", k)
			}
			return s, nil
		case "RSA PRIVATE KEY":
			return x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			return x509.ParseECPrivateKey(block.Bytes)
		}
	}
}

// Thumbprint is the base64url SHA-256 of a certificate's DER: RFC 8705's x5t#S256.
func Thumbprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func createCert(tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) (*x509.Certificate, error) {
	opcount.Signed(signer.Public())
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("create certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return n
}

func first(s []string, def string) string {
	if len(s) == 0 {
		return def
	}
	return s[0]
}

// CertFault is what is wrong with a client certificate minted to order (IssueClientFault).
type CertFault string

// Faults of a client certificate that path validation (RFC 5280 section 6.1) or its key usage and
// extended key usage (RFC 5280 section 4.2.1.12) make unusable for TLS client authentication.
const (
	CertExpired      CertFault = "expired"        // its validity period ended a day ago
	CertNotYetValid  CertFault = "not-yet-valid"  // its validity period starts in a day
	CertNoClientAuth CertFault = "no-client-auth" // its extended key usage is serverAuth alone
	CertOtherCA      CertFault = "other-ca"       // issued by a CA the relying party does not trust
	// CertKeyUsageNoClientAuth has clientAuth in its extended key usage but nonRepudiation alone in its key
	// usage, which no TLS client authentication is consistent with (RFC 5280 section 4.2.1.12: clientAuth
	// goes with digitalSignature and/or keyAgreement).
	CertKeyUsageNoClientAuth CertFault = "key-usage-no-client-auth"
	// CertValidPast2049 is no fault: valid until 2051, a notAfter that RFC 5280 section 4.1.2.5 has encoded
	// as GeneralizedTime (dates from 2050), which every certificate user must be able to process.
	CertValidPast2049 CertFault = "valid-past-2049"
	// CertReissued is no fault either: a copy of the software's certificate (same key and subject, a new
	// serial, the usual validity), the control for CertValidPast2049 at a bank that takes only the
	// certificate it knows (the directory's published one) whatever its validity.
	CertReissued CertFault = "reissued"
	// CertCAWithoutCertSign is issued by an intermediate CA under the root, a CA by its basic constraints,
	// whose key usage (digitalSignature alone) lacks keyCertSign: its key must not verify the certificate
	// (RFC 5280 section 4.2.1.3). FaultyTLSCertificate makes it; IssueClientFault cannot.
	CertCAWithoutCertSign CertFault = "ca-without-cert-sign"
)

// FaultyTLSCertificate is a client certificate for key and subject, wrong as fault says, with the chain
// a client presents: the leaf and the CA certificate that issued it.
func (ca *CA) FaultyTLSCertificate(subject pkix.Name, key crypto.Signer, fault CertFault) (tls.Certificate, error) {
	if fault != CertCAWithoutCertSign {
		leaf, err := ca.IssueClientFault(subject, key, fault)
		if err != nil {
			return tls.Certificate{}, err
		}
		return ca.TLSCertificate(leaf, key), nil
	}
	interKey, err := NewECKey()
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now().Add(-time.Hour)
	interTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: ca.Root.Subject.CommonName + " (signing-only key)", Organization: ca.Root.Subject.Organization},
		NotBefore:             now,
		NotAfter:              now.Add(leafValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	inter, err := createCert(interTmpl, ca.Root, interKey.Public(), ca.RootKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := ca.leafTemplate(subject)
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	leaf, err := createCert(tmpl, inter, key.Public(), interKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{leaf.Raw, inter.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// IssueClientFault issues an mTLS client certificate for key with subject, wrong as fault says; a
// CertOtherCA certificate is simply one issued by another CA, which this CA cannot make.
func (ca *CA) IssueClientFault(subject pkix.Name, key crypto.Signer, fault CertFault) (*x509.Certificate, error) {
	tmpl := ca.leafTemplate(subject)
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	now := time.Now()
	switch fault {
	case CertExpired:
		tmpl.NotBefore, tmpl.NotAfter = now.Add(-48*time.Hour), now.Add(-10*time.Minute)
	case CertNotYetValid:
		tmpl.NotBefore, tmpl.NotAfter = now.Add(24*time.Hour), now.Add(48*time.Hour)
	case CertNoClientAuth:
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	case CertKeyUsageNoClientAuth:
		tmpl.KeyUsage = x509.KeyUsageContentCommitment
	case CertValidPast2049:
		tmpl.NotAfter = time.Date(2051, time.January, 1, 0, 0, 0, 0, time.UTC)
	case CertReissued:
	default:
		return nil, fmt.Errorf("a client certificate fault this CA cannot mint: %q", fault)
	}
	return createCert(tmpl, ca.Issuing, key.Public(), ca.IssuingKey)
}
