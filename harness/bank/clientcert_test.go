package bank

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net/http"
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/harness/pki"
)

// registerOverFaultyCert registers a fresh software over a transport certificate (its own subject, a
// fresh key) wrong as fault says: "refused" when the TLS handshake or the bank refused it.
func registerOverFaultyCert(fault pki.CertFault) func(*testing.T, *fixture, *Server) string {
	return func(t *testing.T, f *fixture, s *Server) string {
		sw := f.newSoftware(t, false)
		key, err := pki.NewECKey()
		if err != nil {
			t.Fatal(err)
		}
		ca := f.ca
		if fault == pki.CertOtherCA {
			if ca, err = pki.NewCA("Untrusted"); err != nil {
				t.Fatal(err)
			}
		}
		subject := pkix.Name{CommonName: sw.id, OrganizationalUnit: []string{sw.org}, Organization: []string{"OpenBanking"}, Country: []string{"GB"}}
		var cert tls.Certificate
		if fault == pki.CertOtherCA {
			var leaf *x509.Certificate
			if leaf, err = ca.IssueClient(subject, key); err == nil {
				cert = ca.TLSCertificate(leaf, key)
			}
		} else {
			cert, err = ca.FaultyTLSCertificate(subject, key, fault)
		}
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(http.MethodPost, s.URL+registerPath, strings.NewReader(f.requestJWT(t, sw, s.URL, nil)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/jwt")
		resp, err := f.httpClient(t, &cert).Do(req)
		if err != nil {
			return "refused"
		}
		defer resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return "refused"
		}
		return resp.Status[:3]
	}
}

func clientCertScenarios() []scenario {
	return []scenario{
		{name: "registration over an expired certificate", want: "refused",
			defects: map[string]string{"accept-expired-client-cert": "201"}, run: registerOverFaultyCert(pki.CertExpired)},
		{name: "registration over a certificate not yet valid", want: "refused",
			defects: map[string]string{"accept-expired-client-cert": "201"}, run: registerOverFaultyCert(pki.CertNotYetValid)},
		{name: "registration over a certificate of an untrusted CA", want: "refused",
			defects: map[string]string{"accept-untrusted-client-cert": "201", "accept-expired-client-cert": "refused"}, run: registerOverFaultyCert(pki.CertOtherCA)},
		{name: "registration over a certificate without clientAuth", want: "refused",
			defects: map[string]string{"accept-client-cert-without-client-auth": "201", "accept-untrusted-client-cert": "refused"}, run: registerOverFaultyCert(pki.CertNoClientAuth)},
		{name: "registration over a certificate of a CA whose key usage lacks keyCertSign", want: "refused",
			defects: map[string]string{"ignore-ca-key-usage": "201", "ignore-client-cert-key-usage": "refused"}, run: registerOverFaultyCert(pki.CertCAWithoutCertSign)},
		{name: "registration over a certificate valid until 2051 (GeneralizedTime)", want: "201",
			defects: map[string]string{"refuse-generalized-time-validity": "refused"}, run: registerOverFaultyCert(pki.CertValidPast2049)},
		{name: "registration over a certificate whose key usage allows no client authentication", want: "refused",
			defects: map[string]string{"ignore-client-cert-key-usage": "201", "accept-client-cert-without-client-auth": "refused"}, run: registerOverFaultyCert(pki.CertKeyUsageNoClientAuth)},
	}
}
