package bank

import (
	"crypto/x509"
	"errors"
	"strings"
	"time"
)

// certChecks are the checks of RFC 5280 path validation, key usage and extended key usage the bank makes
// of a client certificate; the defects accept-expired-client-cert, accept-untrusted-client-cert,
// accept-client-cert-without-client-auth and ignore-client-cert-key-usage each switch one off.
type certChecks struct {
	validity   bool // the validity period includes the current time (RFC 5280 section 6.1.3)
	trust      bool // the chain ends at a trusted root (RFC 5280 section 6.1; RFC 8705 section 2.1)
	clientAuth bool // the extended key usage allows TLS client authentication (RFC 5280 section 4.2.1.12)
	keyUsage   bool // a key usage, if present, is consistent with clientAuth (RFC 5280 section 4.2.1.12)
	caKeyUsage bool // no CA's key verifies a certificate unless its key usage allows it (RFC 5280 section 4.2.1.3)
}

// keyUsageAllows reports whether leaf may serve TLS client authentication as far as its key usage goes:
// Go's verifier reads the extended key usage only, and with both extensions present RFC 5280 section
// 4.2.1.12 has the certificate used only for a purpose consistent with both (clientAuth: digitalSignature
// and/or keyAgreement).
func (c certChecks) keyUsageAllows(leaf *x509.Certificate) bool {
	return !c.keyUsage || leaf.KeyUsage == 0 || leaf.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageKeyAgreement) != 0
}

// all reports whether every check the TLS stack makes is made: it can then verify certificates itself.
func (c certChecks) all() bool { return c.validity && c.trust && c.clientAuth && c.caKeyUsage }

// options are the verification options of leaf at now under the checks made: without the validity
// check, the leaf is verified at a moment inside its own validity period.
func (c certChecks) options(leaf *x509.Certificate, roots, inter *x509.CertPool, now time.Time) x509.VerifyOptions {
	opts := x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if !c.clientAuth {
		opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	}
	if !c.validity {
		switch {
		case now.After(leaf.NotAfter):
			now = leaf.NotAfter.Add(-time.Second)
		case now.Before(leaf.NotBefore):
			now = leaf.NotBefore.Add(time.Second)
		}
		opts.CurrentTime = now
	}
	return opts
}

// untrustedOK reports whether a verification that failed with err is let through: without the trust
// check, for want of a trusted root (a certificate out of its validity period or of the wrong usage still
// fails); without the CA key usage check, for want of a CA whose key usage lets it sign certificates.
func (c certChecks) untrustedOK(err error) bool {
	var unknown x509.UnknownAuthorityError
	return !c.trust && errors.As(err, &unknown) || !c.caKeyUsage && caCannotSign(err)
}

// caCannotSign reports whether a verification failed for want of a chain whose CAs may sign: Go's verifier
// (x509.Certificate.CheckSignatureFrom) refuses a CA whose key usage lacks keyCertSign, as RFC 5280 section
// 4.2.1.3 says, and names that reason in its error; the defect ignore-ca-key-usage lets it through.
func caCannotSign(err error) bool {
	var unknown x509.UnknownAuthorityError
	return errors.As(err, &unknown) && strings.Contains(err.Error(), "parent certificate cannot sign this kind of certificate")
}
