package uk

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/dcrconform/dcrconform/harness/dn"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// What UK OBIE DCR 3.4 changed from 3.3 in the members a bank answers (its OpenAPI,
// OBRegistrationProperties1): application_type lists web and native (3.1-3.3: web and mobile), and
// tls_client_auth_subject_dn is 1 to 512 characters of ^(?=.{1,512}$)[Cc][Nn]=[^,]+(?:,[^,\s]+=[^,]+)*$,
// the CN first (3.3: at most 128, any form).
const v34 = "3.4"

// outsideApplicationType is an application_type the target's version does not list: native before 3.4,
// mobile at 3.4.
func outsideApplicationType(f *framework.Framework) string {
	if f.Target.Version == v34 {
		return "mobile"
	}
	return "native"
}

// expectDNOf34 fails the spec when, at 3.4, an answer's tls_client_auth_subject_dn is not of 3.4's form.
func expectDNOf34(f *framework.Framework, md map[string]any) {
	if f.Target.Version != v34 {
		return
	}
	if v, present := md["tls_client_auth_subject_dn"]; present {
		if s, ok := v.(string); !ok || !dn.UK34(s) {
			f.Failf("tls_client_auth_subject_dn of 3.4's form, the CN first, at most 512 characters (OBIE-DCR-3.4-TLS-DN-FORM)",
				"tls_client_auth_subject_dn %v", v)
		}
	}
}

// x509Order writes a CN-first DN in the order of the certificate's RDN sequence, the CN last
// (C=GB,O=...,CN=...): the same name, outside 3.4's pattern.
func x509Order(dn string) string {
	rdns := framework.RDNs(dn)
	slices.Reverse(rdns)
	return strings.Join(rdns, ",")
}

var _ = framework.Describe("UK OBIE DCR 3.4: registration refused or corrected", func() {
	framework.ConformanceIt(negative("UK-REG-N61", "register", "OBIE-DCR-3.4-TLS-DN-FORM",
		"at 3.4, a tls_client_auth_subject_dn in X.509 order (C first, CN last) is refused, or registered and answered CN-first",
		"400 invalid_client_metadata, or 201 with a CN-first subject DN"),
		func(f *framework.Framework) {
			if f.Target.Version != v34 {
				f.Skipf("UK DCR %s has no subject DN pattern (3.4's puts the CN first)", cmp.Or(f.Target.Version, "3.3"))
			}
			if !f.Advertised("token_endpoint_auth_methods_supported", "tls_client_auth") {
				f.Skipf("the bank does not advertise tls_client_auth")
			}
			sw := f.Software()
			reversed := x509Order(f.SubjectDN(sw.Transport.Leaf))
			if dn.UK34(reversed) {
				f.Skipf("the certificate's subject %q has a single RDN; no other order exists", reversed)
			}
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw).Without("token_endpoint_auth_signing_alg").
				With("token_endpoint_auth_method", "tls_client_auth").With("tls_client_auth_subject_dn", reversed))
			if err == nil && resp.Status == http.StatusCreated {
				expectDNOf34(f, f.ExpectJSON(resp))
				return
			}
			f.ExpectRefusal(resp, err, status400, badMetadata.codes(f)...)
		})
})
