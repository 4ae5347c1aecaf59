package target

import (
	"bytes"
	"context"
	"crypto/x509"
	"slices"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// The directory, in process and through the admin API, mints a software's transport certificate wrong
// to order: same key and subject, from its CA, with the one fault asked for.
func TestFaultyTransportCertificates(t *testing.T) {
	ctx := context.Background()
	d, remoteDir := newRemote(t)
	for name, dir := range map[string]Directory{"in-process": InProcessDirectory(d), "remote": remoteDir} {
		t.Run(name, func(t *testing.T) {
			sw, err := dir.NewSoftware(ctx, SoftwareOptions{KeyType: mockdirectory.KeyTypeEC})
			if err != nil {
				t.Fatal(err)
			}
			issuer, ok := dir.(TransportIssuer)
			if !ok {
				t.Fatal("the directory issues no certificates to order")
			}
			good, err := x509.ParseCertificate(sw.Transport.Certificate[0])
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			for fault, wrong := range map[pki.CertFault]func(c *x509.Certificate) bool{
				pki.CertExpired:       func(c *x509.Certificate) bool { return c.NotAfter.Before(now) },
				pki.CertNotYetValid:   func(c *x509.Certificate) bool { return c.NotBefore.After(now) },
				pki.CertNoClientAuth:  func(c *x509.Certificate) bool { return !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageClientAuth) },
				pki.CertValidPast2049: func(c *x509.Certificate) bool { return c.NotAfter.Year() > 2049 },
				pki.CertReissued: func(c *x509.Certificate) bool {
					return c.SerialNumber.Cmp(good.SerialNumber) != 0 && c.NotAfter.Year() < 2050 && !c.NotBefore.After(now)
				},
				pki.CertCAWithoutCertSign: func(c *x509.Certificate) bool {
					return c.Issuer.String() != d.CA().Issuing.Subject.String()
				},
				pki.CertKeyUsageNoClientAuth: func(c *x509.Certificate) bool {
					return c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageKeyAgreement) == 0
				},
			} {
				cert, err := issuer.IssueFaultyTransport(ctx, sw, fault)
				if err != nil {
					t.Fatalf("%s: %v", fault, err)
				}
				leaf, err := x509.ParseCertificate(cert.Certificate[0])
				if err != nil {
					t.Fatal(err)
				}
				if !wrong(leaf) {
					t.Errorf("%s: the certificate (%v to %v, EKU %v) is not so", fault, leaf.NotBefore, leaf.NotAfter, leaf.ExtKeyUsage)
				}
				if leaf.Subject.String() != good.Subject.String() || !bytes.Equal(leaf.RawSubjectPublicKeyInfo, good.RawSubjectPublicKeyInfo) {
					t.Errorf("%s: subject %s or key differ from the software's", fault, leaf.Subject)
				}
				issuer := d.CA().Issuing
				if fault == pki.CertCAWithoutCertSign { // an intermediate of its own under the directory's root
					if issuer, err = x509.ParseCertificate(cert.Certificate[1]); err != nil || issuer.CheckSignatureFrom(d.CA().Root) != nil {
						t.Fatalf("%s: the chain's CA is not under the directory's root (%v)", fault, err)
					}
				}
				// The signature alone: CheckSignatureFrom also refuses a parent whose key usage lacks keyCertSign.
				if err := issuer.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature); err != nil {
					t.Errorf("%s: not issued by the directory's CA: %v", fault, err)
				}
			}
			if _, err := issuer.IssueFaultyTransport(ctx, sw, "bogus"); err == nil {
				t.Error("an unknown fault was minted")
			}
		})
	}
}
