package target

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"

	"github.com/dcrconform/dcrconform/harness/pki"
)

// TransportIssuer is a Directory that can issue a software's transport certificate wrong to order
// (expired, not yet valid, without the clientAuth extended key usage), from the CA the bank trusts,
// for the same key and subject as the software's own.
type TransportIssuer interface {
	IssueFaultyTransport(ctx context.Context, sw *Software, fault pki.CertFault) (*tls.Certificate, error)
}

// transportParts are the key and subject of sw's transport certificate.
func transportParts(sw *Software) (crypto.Signer, *x509.Certificate, error) {
	if sw.Transport == nil || len(sw.Transport.Certificate) == 0 {
		return nil, nil, errors.New("the software has no transport certificate")
	}
	key, ok := sw.Transport.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, nil, errors.New("the software's transport key cannot sign")
	}
	leaf := sw.Transport.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(sw.Transport.Certificate[0]); err != nil {
			return nil, nil, err
		}
	}
	return key, leaf, nil
}

// FaultyTransport is sw's transport certificate reissued by ca, wrong as fault says.
func FaultyTransport(ca *pki.CA, sw *Software, fault pki.CertFault) (*tls.Certificate, error) {
	key, leaf, err := transportParts(sw)
	if err != nil {
		return nil, err
	}
	cert, err := ca.IssueClientFault(leaf.Subject, key, fault)
	if err != nil {
		return nil, err
	}
	out := ca.TLSCertificate(cert, key)
	return &out, nil
}

// OtherCATransport is sw's transport certificate (same key and subject) issued by ca, a CA the bank
// does not trust.
func OtherCATransport(ca *pki.CA, sw *Software) (*tls.Certificate, error) {
	key, leaf, err := transportParts(sw)
	if err != nil {
		return nil, err
	}
	cert, err := ca.IssueClient(leaf.Subject, key)
	if err != nil {
		return nil, err
	}
	out := ca.TLSCertificate(cert, key)
	return &out, nil
}

// IssueFaultyTransport reissues sw's transport certificate from the mock directory's CA, wrong as
// fault says.
func (p *inProcess) IssueFaultyTransport(_ context.Context, sw *Software, fault pki.CertFault) (*tls.Certificate, error) {
	return FaultyTransport(p.d.CA(), sw, fault)
}
