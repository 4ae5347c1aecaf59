package bank

import (
	"slices"
	"strings"

	"github.com/dcrconform/dcrconform/harness/dn"
)

// UK OBIE DCR 3.4 (its OpenAPI, OBRegistrationProperties1) changes two members from 3.3: application_type
// lists web and native (3.3: web and mobile), and tls_client_auth_subject_dn is at most 512 characters
// (3.3: 128) of the pattern ^(?=.{1,512}$)[Cc][Nn]=[^,]+(?:,[^,\s]+=[^,]+)*$: the CN first, then
// comma-separated attributes.
const v34 = "3.4"

// applicationTypes are the application_type values a uk dialect registers: web alone at 3.1-3.3 (which
// list web and mobile), web and native at 3.4 (which lists them).
func (b *Bank) applicationTypes(d *dialect) []string {
	switch {
	case d.version != v34:
		return []string{"web"}
	case b.has("v34-application-type-mobile"):
		return []string{"web", "mobile"}
	}
	return []string{"web", "native"}
}

// checkApplicationType checks a registration's application_type (when sent) against those the dialect
// registers: one it does not is refused, or, under the choice ReplaceMetadata, replaced in the request c
// (which the registration answers) by the first it registers (OBIE: "modify the value of the field to one
// that it supports").
func (b *Bank) checkApplicationType(d *dialect, c claims) *apiError {
	v, present := c["application_type"]
	if !present || b.has("accept-bad-application-type") {
		return nil
	}
	types := b.applicationTypes(d)
	if s, ok := v.(string); !ok || !slices.Contains(types, s) {
		if b.cfg.Choices.ReplaceMetadata {
			c["application_type"] = types[0]
			return nil
		}
		return badMetadata("application_type %v is not supported: use %s", v, strings.Join(types, " or "))
	}
	return nil
}

// checkSubjectDNForm refuses, at 3.4, a subject DN outside 3.4's pattern (e.g. in X.509 order, C first).
func (b *Bank) checkSubjectDNForm(d *dialect, member, subject string) *apiError {
	if d.version != v34 || dn.UK34(subject) || b.has("v34-subject-dn-any-order") {
		return nil
	}
	return badMetadata("%s %q is not of UK DCR 3.4's form: the CN first, then comma-separated attributes, at most 512 characters", member, subject)
}

// answeredSubjectDN is the subject DN a registration answers: as registered, or (the defect
// v34-subject-dn-reversed) read back in X.509 order, the CN last.
func (b *Bank) answeredSubjectDN(d *dialect, dn string) string {
	if d.version != v34 || !b.has("v34-subject-dn-reversed") {
		return dn
	}
	parts := splitUnescaped(dn, ",")
	slices.Reverse(parts)
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return strings.Join(parts, ",")
}
