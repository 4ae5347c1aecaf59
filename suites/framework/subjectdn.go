package framework

import (
	"crypto/x509"
	"strings"
)

// SubjectDN is the tls_client_auth_subject_dn a request sends for cert: its subject as RFC 4514 writes
// it (the last RDN of the certificate first). UK OBIE DCR 3.4 requires the CN first (its pattern
// ^(?=.{1,512}$)[Cc][Nn]=[^,]+(?:,[^,\s]+=[^,]+)*$), so at 3.4 a subject whose CN is not its last RDN
// is sent with the CN moved to the front.
func (f *Framework) SubjectDN(cert *x509.Certificate) string {
	dn := cert.Subject.String()
	if f.Target.Version != "3.4" || strings.HasPrefix(strings.ToUpper(dn), "CN=") {
		return dn
	}
	rdns := RDNs(dn)
	for i, rdn := range rdns {
		if strings.HasPrefix(strings.ToUpper(rdn), "CN=") {
			return strings.Join(append([]string{rdn}, append(rdns[:i:i], rdns[i+1:]...)...), ",")
		}
	}
	return dn
}

// RDNs splits an RFC 4514 DN at its unescaped commas, into its RDNs.
func RDNs(dn string) []string {
	var out []string
	start, escaped := 0, false
	for i, r := range dn {
		switch {
		case escaped:
			escaped = false
		case r == '\\':
			escaped = true
		case r == ',':
			out = append(out, dn[start:i])
			start = i + 1
		}
	}
	return append(out, dn[start:])
}
