package mockdirectory

import (
	"crypto"
	"crypto/tls"
	"encoding/pem"
	"net/http"

	"github.com/dcrconform/dcrconform/harness/pki"
)

// IssueFaultyTransport issues a software a transport certificate for its transport key and subject,
// from the directory's CA, wrong as fault says: pki.CertExpired, pki.CertNotYetValid or
// pki.CertNoClientAuth, pki.CertKeyUsageNoClientAuth or pki.CertCAWithoutCertSign (or valid past 2049, pki.CertValidPast2049, a
// certificate every bank must take, or pki.CertReissued, a copy of the software's own as its control). It is a certificate no bank may accept, for negative tests; it is not stored.
func (d *Directory) IssueFaultyTransport(softwareID string, fault pki.CertFault) (tls.Certificate, error) {
	c, err := d.Credentials(softwareID)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, ok := c.Transport.PrivateKey.(crypto.Signer)
	if !ok || c.Transport.Leaf == nil {
		return tls.Certificate{}, invalid("id", "software %q has no usable transport key", softwareID)
	}
	switch fault {
	case pki.CertExpired, pki.CertNotYetValid, pki.CertNoClientAuth, pki.CertKeyUsageNoClientAuth, pki.CertValidPast2049, pki.CertCAWithoutCertSign, pki.CertReissued:
	default:
		return tls.Certificate{}, invalid("fault", "must be %s, %s, %s, %s, %s, %s or %s", pki.CertExpired, pki.CertNotYetValid, pki.CertNoClientAuth,
			pki.CertKeyUsageNoClientAuth, pki.CertValidPast2049, pki.CertCAWithoutCertSign, pki.CertReissued)
	}
	return d.ca.FaultyTLSCertificate(c.Transport.Leaf.Subject, key, fault)
}

// adminFaultyTransport answers POST /admin/software/{id}/transport-certificates {"fault": ...} with
// the chain (PEM) of a transport certificate wrong as fault says; the key is the software's own.
func (d *Directory) adminFaultyTransport(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Fault string `json:"fault"`
	}
	if err := decodeBody(w, r, &body, false); err != nil {
		d.fail(w, r, err)
		return
	}
	cert, err := d.IssueFaultyTransport(r.PathValue("id"), pki.CertFault(body.Fault))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	var out []byte
	for _, der := range cert.Certificate {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(out)
}
