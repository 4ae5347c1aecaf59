package target

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"

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
	cert, err := p.d.IssueFaultyTransport(sw.ID, fault)
	if err != nil {
		return nil, err
	}
	return &cert, nil
}

// IssueFaultyTransport asks the remote mock directory's admin API for sw's transport certificate
// wrong as fault says; the key is sw's own.
func (r *remote) IssueFaultyTransport(ctx context.Context, sw *Software, fault pki.CertFault) (*tls.Certificate, error) {
	key, _, err := transportParts(sw)
	if err != nil {
		return nil, err
	}
	body, err := r.call(ctx, http.MethodPost, "/admin/software/"+url.PathEscape(sw.ID)+"/transport-certificates",
		map[string]string{"fault": string(fault)}, http.StatusCreated)
	if err != nil {
		return nil, fmt.Errorf("faulty transport certificate: %w", err)
	}
	chain, err := pki.ParseCertsPEM(body)
	if err != nil || len(chain) == 0 {
		return nil, fmt.Errorf("faulty transport certificate: no certificate in the answer (%v)", err)
	}
	out := &tls.Certificate{PrivateKey: key, Leaf: chain[0]}
	for _, c := range chain {
		out.Certificate = append(out.Certificate, c.Raw)
	}
	return out, nil
}
