package mockdirectory

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

var (
	idPattern       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	phonePattern    = regexp.MustCompile(`^\+?[0-9][0-9 ()-]{2,31}$`)
	statePattern    = regexp.MustCompile(`^[A-Z]{2}$`)
	tokenPattern    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
	reservedIDs     = []string{"admin", "keystore", "cdr-register", "revoked", "healthz"}
	validStatuses   = []string{StatusActive, StatusRevoked, StatusWithdrawn, StatusInactive}
	validRoles      = []string{RoleAISP, RolePISP, RoleCBPII, RoleASPSP}
	defaultRoles    = []string{RoleAISP, RolePISP, RoleCBPII}
	contactTypes    = []string{"Technical", "Business", "Billing", "Other"}
	defaultCDRScope = "openid profile bank:accounts.basic:read bank:accounts.detail:read bank:transactions:read " +
		"bank:payees:read bank:regular_payments:read common:customer.basic:read common:customer.detail:read cdr:registration"
)

const (
	maxName    = 256
	maxText    = 1024
	maxURI     = 2048
	maxListLen = 32
)

// idRule is what an organisation or software id must be (idPattern).
const idRule = "must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-', starting with a letter or digit"

func validateID(field, id string) error {
	if !idPattern.MatchString(id) {
		return invalid(field, idRule)
	}
	for _, r := range reservedIDs {
		if strings.EqualFold(id, r) {
			return invalid(field, "%q is reserved", id)
		}
	}
	return nil
}

func validateStatus(field, status string) error {
	if !slices.Contains(validStatuses, status) {
		return invalid(field, "must be one of %s", strings.Join(validStatuses, ", "))
	}
	return nil
}

func validateText(field, s string, required bool, max int) error {
	if strings.TrimSpace(s) == "" {
		if required {
			return invalid(field, "is required")
		}
		if s != "" {
			return invalid(field, "must not be blank")
		}
		return nil
	}
	if len(s) > max {
		return invalid(field, "must be at most %d bytes", max)
	}
	if strings.TrimSpace(s) != s {
		return invalid(field, "must not start or end with white space")
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return invalid(field, "must not contain control characters or invalid UTF-8")
		}
	}
	return nil
}

// validateHTTPSURI accepts an absolute https URL with a host and no fragment or user info.
func validateHTTPSURI(field, s string) error {
	if len(s) > maxURI {
		return invalid(field, "must be at most %d bytes", maxURI)
	}
	u, err := url.Parse(s)
	if err != nil {
		return invalid(field, "is not a URL: %v", err)
	}
	switch {
	case u.Scheme != "https":
		return invalid(field, "must be an https URL")
	case u.Host == "" || u.Hostname() == "":
		return invalid(field, "must have a host")
	case u.Fragment != "" || strings.Contains(s, "#"):
		return invalid(field, "must not have a fragment")
	case u.User != nil:
		return invalid(field, "must not carry user info")
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return invalid(field, "must not contain spaces or control characters")
		}
	}
	return nil
}

func validateOptionalURI(field, s string) error {
	if s == "" {
		return nil
	}
	return validateHTTPSURI(field, s)
}

func validateRoles(field string, roles []string, required bool) error {
	if len(roles) == 0 && required {
		return invalid(field, "must list at least one role")
	}
	if len(roles) > len(validRoles) {
		return invalid(field, "too many roles")
	}
	for i, r := range roles {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !slices.Contains(validRoles, r) {
			return invalid(f, "unknown role %q (allowed: %s)", r, strings.Join(validRoles, ", "))
		}
		if slices.Contains(roles[:i], r) {
			return invalid(f, "duplicate role %q", r)
		}
	}
	return nil
}

// normaliseOrganisation validates o (field names prefixed with prefix) and fills defaults except the ID.
func normaliseOrganisation(o Organisation, prefix string) (Organisation, error) {
	if o.ID != "" {
		if err := validateID(prefix+"id", o.ID); err != nil {
			return o, err
		}
	}
	if err := validateText(prefix+"name", o.Name, true, maxName); err != nil {
		return o, err
	}
	if o.Run != "" {
		if err := validateID(prefix+"run", o.Run); err != nil {
			return o, err
		}
	}
	if o.Status == "" {
		o.Status = StatusActive
	}
	if err := validateStatus(prefix+"status", o.Status); err != nil {
		return o, err
	}
	if o.Roles == nil {
		o.Roles = slices.Clone(defaultRoles)
	}
	if err := validateRoles(prefix+"roles", o.Roles, true); err != nil {
		return o, err
	}
	if len(o.Contacts) > maxListLen {
		return o, invalid(prefix+"contacts", "at most %d contacts", maxListLen)
	}
	for i, c := range o.Contacts {
		f := fmt.Sprintf("%scontacts[%d].", prefix, i)
		if err := validateText(f+"name", c.Name, true, maxName); err != nil {
			return o, err
		}
		if c.Email == "" {
			return o, invalid(f+"email", "is required")
		}
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email || len(c.Email) > maxName {
			return o, invalid(f+"email", "is not an email address")
		}
		if c.Phone != "" && !phonePattern.MatchString(c.Phone) {
			return o, invalid(f+"phone", "is not a phone number (digits, spaces, ()- and an optional leading +)")
		}
		if !slices.Contains(contactTypes, c.Type) {
			return o, invalid(f+"type", "must be one of %s", strings.Join(contactTypes, ", "))
		}
	}
	if err := validateText(prefix+"registration_id", o.RegistrationID, false, maxName); err != nil {
		return o, err
	}
	if len(o.Authorisations) > maxListLen {
		return o, invalid(prefix+"authorisations", "at most %d authorisations", maxListLen)
	}
	for i, a := range o.Authorisations {
		f := fmt.Sprintf("%sauthorisations[%d].", prefix, i)
		if !statePattern.MatchString(a.MemberState) {
			return o, invalid(f+"member_state", "must be an ISO 3166-1 alpha-2 code such as GB")
		}
		if err := validateRoles(f+"roles", a.Roles, true); err != nil {
			return o, err
		}
	}
	// Copy the slices so that the caller's later changes cannot reach the directory.
	o.Roles = slices.Clone(o.Roles)
	o.Contacts = slices.Clone(o.Contacts)
	auths := make([]Authorisation, len(o.Authorisations))
	for i, a := range o.Authorisations {
		auths[i] = Authorisation{MemberState: a.MemberState, Roles: slices.Clone(a.Roles)}
	}
	o.Authorisations = auths
	return o, nil
}

// fillOrganisationDefaults completes an organisation once its ID is known.
func fillOrganisationDefaults(o *Organisation) {
	if o.RegistrationID == "" {
		o.RegistrationID = "Unknown" + o.ID
	}
	if len(o.Authorisations) == 0 {
		o.Authorisations = []Authorisation{{MemberState: "GB", Roles: slices.Clone(o.Roles)}}
	}
	if o.Contacts == nil {
		o.Contacts = []Contact{}
	}
}

// normaliseSoftware validates s against its organisation (field names prefixed with prefix), without the ID
// and org_id checks and defaults that need the directory's state.
func normaliseSoftware(s Software, org Organisation, prefix string) (Software, error) {
	if s.ID != "" {
		if err := validateID(prefix+"id", s.ID); err != nil {
			return s, err
		}
	}
	if err := validateText(prefix+"client_name", s.ClientName, true, maxName); err != nil {
		return s, err
	}
	if s.Status == "" {
		s.Status = StatusActive
	}
	if err := validateStatus(prefix+"status", s.Status); err != nil {
		return s, err
	}
	if s.Roles == nil {
		s.Roles = slices.Clone(org.Roles)
	}
	if err := validateRoles(prefix+"roles", s.Roles, true); err != nil {
		return s, err
	}
	for i, r := range s.Roles {
		if !slices.Contains(org.Roles, r) {
			return s, invalid(fmt.Sprintf("%sroles[%d]", prefix, i), "role %q is not held by organisation %s", r, org.ID)
		}
	}
	if len(s.RedirectURIs) > maxListLen {
		return s, invalid(prefix+"redirect_uris", "at most %d redirect URIs", maxListLen)
	}
	for i, u := range s.RedirectURIs {
		f := fmt.Sprintf("%sredirect_uris[%d]", prefix, i)
		if err := validateHTTPSURI(f, u); err != nil {
			return s, err
		}
		if slices.Contains(s.RedirectURIs[:i], u) {
			return s, invalid(f, "duplicate redirect URI")
		}
	}
	for _, c := range []struct{ field, value string }{
		{"client_uri", s.ClientURI}, {"logo_uri", s.LogoURI}, {"policy_uri", s.PolicyURI}, {"tos_uri", s.TosURI},
		{"sector_identifier_uri", s.SectorIdentifierURI}, {"recipient_base_uri", s.RecipientBaseURI},
		{"revocation_uri", s.RevocationURI},
	} {
		if err := validateOptionalURI(prefix+c.field, c.value); err != nil {
			return s, err
		}
	}
	for _, c := range []struct {
		field, value string
		max          int
	}{
		{"client_description", s.Description, maxText}, {"on_behalf_of_org", s.OnBehalfOfOrg, maxName},
		{"version", s.Version, 32}, {"scope", s.Scope, maxURI},
	} {
		if err := validateText(prefix+c.field, c.value, false, c.max); err != nil {
			return s, err
		}
	}
	if s.Environment != "" && !tokenPattern.MatchString(s.Environment) {
		return s, invalid(prefix+"environment", "must be 1 to 32 characters of A-Z, a-z, 0-9, '_' or '-'")
	}
	if s.Mode != "" && !tokenPattern.MatchString(s.Mode) {
		return s, invalid(prefix+"mode", "must be 1 to 32 characters of A-Z, a-z, 0-9, '_' or '-'")
	}
	switch s.KeyType {
	case "":
		s.KeyType = KeyTypeRSA
	case KeyTypeRSA, KeyTypeEC:
	default:
		return s, invalid(prefix+"key_type", "must be RSA or EC")
	}
	s.Roles = slices.Clone(s.Roles)
	s.RedirectURIs = slices.Clone(s.RedirectURIs)
	return s, nil
}

// fillSoftwareDefaults completes software once its ID and organisation are known.
func fillSoftwareDefaults(s *Software, org Organisation) {
	s.OrgID = org.ID
	if s.ClientURI == "" {
		s.ClientURI = "https://tpp.example.com"
	}
	base := strings.TrimSuffix(s.ClientURI, "/")
	if len(s.RedirectURIs) == 0 {
		s.RedirectURIs = []string{base + "/" + s.ID + "/callback"}
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&s.Description, s.ClientName)
	def(&s.LogoURI, base+"/logo.png")
	def(&s.PolicyURI, base+"/policy")
	def(&s.TosURI, base+"/tos")
	def(&s.OnBehalfOfOrg, org.Name)
	def(&s.Version, "1.0")
	def(&s.Environment, "sandbox")
	def(&s.Mode, "Test")
	def(&s.Scope, defaultCDRScope)
	def(&s.SectorIdentifierURI, base+"/sector")
	def(&s.RecipientBaseURI, base)
	def(&s.RevocationURI, strings.TrimSuffix(s.RecipientBaseURI, "/")+"/revoke")
}

// softwareVersionClaim renders software_version as a number when it is one (as the UK directory does).
func softwareVersionClaim(v string) any {
	if _, err := strconv.ParseFloat(v, 64); err == nil && numberPattern.MatchString(v) {
		return json.Number(v)
	}
	return v
}

var numberPattern = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?$`)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomBase62 returns n unbiased random base62 characters.
func randomBase62(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		for _, b := range buf {
			if b < 248 { // 248 = 4*62: reject the tail for a uniform distribution
				out = append(out, base62[b%62])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out)
}

// newOrgID looks like a UK directory organisation id: "0015800001" and 8 characters, 18 in all.
func newOrgID() string { return "0015800001" + randomBase62(8) }

// newSoftwareID looks like a UK directory software id: 22 base62 characters.
func newSoftwareID() string { return randomBase62(22) }
