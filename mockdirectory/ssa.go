package mockdirectory

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

// CDRSoftwareRoles is the software_roles claim of a CDR SSA.
const CDRSoftwareRoles = "data-recipient-software-product"

// CDR SSAs live ten minutes, as the register's do.
const cdrSSALifetime = 10 * time.Minute

var allBreaks = []string{
	BreakBadSignature, BreakUnpublishedKey, BreakAlgNone, BreakHS256, BreakExpired, BreakFuture,
	BreakWrongIssuer, BreakOrgInactive,
}

// Breaks lists every value SSAOptions.Break accepts (besides "").
func Breaks() []string { return slices.Clone(allBreaks) }

func normaliseSSAOptions(o SSAOptions) (SSAOptions, jose.SignatureAlgorithm, error) {
	switch o.Profile {
	case "":
		o.Profile = ProfileUK
	case ProfileUK, ProfileCDR:
	default:
		return o, "", invalid("profile", "must be uk or cdr")
	}
	alg, err := algOf(o.Alg)
	if err != nil {
		return o, "", err
	}
	o.Alg = string(alg)
	if o.Break != "" && !slices.Contains(allBreaks, o.Break) {
		return o, "", invalid("break", "unknown break %q (known: %s)", o.Break, strings.Join(allBreaks, ", "))
	}
	if o.Profile == ProfileCDR && o.Break == BreakOrgInactive {
		return o, "", invalid("break", "%s does not apply to CDR SSAs, which carry no status: set the status "+
			"(SetSoftwareStatus, SetOrganisationStatus) and the register's status endpoints report it", o.Break)
	}
	for name := range o.Set {
		if msg := checkClaimName(name); msg != "" {
			return o, "", invalid("set", "claim name %s", msg)
		}
	}
	for i, name := range o.Remove {
		if msg := checkClaimName(name); msg != "" {
			return o, "", invalid(fmt.Sprintf("remove[%d]", i), "claim name %s", msg)
		}
	}
	return o, alg, nil
}

// maxClaimName bounds the claim names of SSAOptions.Set and Remove.
const maxClaimName = 256

// checkClaimName says what is wrong with a claim name of SSAOptions ("" if nothing).
func checkClaimName(name string) string {
	switch {
	case name == "":
		return "must not be empty"
	case len(name) > maxClaimName:
		return fmt.Sprintf("of %d bytes: at most %d", len(name), maxClaimName)
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return "must not contain control characters or invalid UTF-8"
	}
	return ""
}

// IssueSSA signs an SSA for a software with the directory's active key of opts.Alg. The UK profile carries
// every claim of the UK directory's SSAs (iss "OpenBanking Ltd", no exp, no software status); the CDR
// profile carries the register's claims (iss "cdr-register", exp ten minutes after iat). Revoked software
// and inactive organisations still get SSAs (as a TPP keeps one issued before): an organisation's carries
// its org_status, a software's shows nothing, its keys having moved to its revoked key set. opts.Break breaks the SSA;
// then opts.Set adds or replaces claims and opts.Remove removes them (a claim that is not there is an error).
func (d *Directory) IssueSSA(softwareID string, opts SSAOptions) (string, error) {
	opts, alg, err := normaliseSSAOptions(opts)
	if err != nil {
		return "", err
	}
	d.mu.RLock()
	e, ok := d.sws[softwareID]
	var org *orgRecord
	var key joseutil.Key
	var haveKey bool
	if ok {
		org = d.orgs[e.rec.OrgID]
		key, haveKey = d.activeKeyLocked(alg)
	}
	d.mu.RUnlock()
	if !ok {
		return "", notFound("software", softwareID)
	}
	if !haveKey {
		return "", notFound("signing key for", string(alg))
	}
	// Records are immutable once published, so the claims may share their slices.
	now := d.now()
	var claims map[string]any
	if opts.Profile == ProfileCDR {
		claims = d.cdrClaims(&e.rec.Software, &org.Organisation, now)
	} else {
		claims = d.ukClaims(&e.rec.Software, &org.Organisation, now)
	}
	switch opts.Break {
	case BreakExpired:
		claims["iat"] = now.Add(-70 * time.Minute).Unix()
		claims["exp"] = now.Add(-time.Hour).Unix()
	case BreakFuture:
		iat := now.Add(time.Hour)
		claims["iat"], claims["nbf"] = iat.Unix(), iat.Unix()
		if opts.Profile == ProfileCDR {
			claims["exp"] = iat.Add(cdrSSALifetime).Unix()
		}
	case BreakWrongIssuer:
		claims["iss"] = WrongUKIssuer
		if opts.Profile == ProfileCDR {
			claims["iss"] = WrongCDRIssuer
		}
	case BreakOrgInactive:
		claims["org_status"] = StatusInactive
	}
	for name, v := range opts.Set {
		claims[name] = v
	}
	for i, name := range opts.Remove {
		if _, ok := claims[name]; !ok {
			return "", invalid(fmt.Sprintf("remove[%d]", i), "claim %q is not in the %s SSA", name, opts.Profile)
		}
		delete(claims, name)
	}
	return d.signSSA(claims, key, opts.Break)
}

func (d *Directory) signSSA(claims map[string]any, key joseutil.Key, brk string) (string, error) {
	switch brk {
	case BreakBadSignature:
		tok, err := joseutil.Sign(claims, key, "JWT")
		if err != nil {
			return "", err
		}
		return joseutil.Tamper(tok), nil
	case BreakUnpublishedKey:
		rogue, err := d.rogueKey(key.Alg)
		if err != nil {
			return "", err
		}
		return joseutil.Sign(claims, rogue, "JWT")
	case BreakAlgNone:
		return joseutil.SignNone(claims, key.KeyID)
	case BreakHS256:
		secret, err := publicKeyPEM(key.Signer.Public())
		if err != nil {
			return "", err
		}
		return joseutil.SignHS256(claims, key.KeyID, secret)
	}
	return joseutil.Sign(claims, key, "JWT")
}

// PublicKeyPEM is the PKIX PEM of a public key: the HMAC secret of BreakHS256 (the classic algorithm
// confusion: a verifier that feeds the "key" it holds to HMAC).
func publicKeyPEM(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// rogueKey is a key of alg that the directory never publishes, made on first use and kept in memory.
func (d *Directory) rogueKey(alg jose.SignatureAlgorithm) (joseutil.Key, error) {
	d.rogueMu.Lock()
	defer d.rogueMu.Unlock()
	if k, ok := d.rogue[string(alg)]; ok {
		return k, nil
	}
	signer, err := newKeyFor(alg)
	if err != nil {
		return joseutil.Key{}, err
	}
	k, err := joseutil.NewKey(signer)
	if err != nil {
		return joseutil.Key{}, err
	}
	d.rogue[string(alg)] = k
	return k, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// ukClaims are the claims of a UK directory SSA (seeds 000, 002, 003): no software status, as the OB
// Directory sends none.
func (d *Directory) ukClaims(s *Software, o *Organisation, now time.Time) map[string]any {
	base := d.BaseURL()
	contacts := o.Contacts
	if contacts == nil {
		contacts = []Contact{}
	}
	return map[string]any{
		"iss":                         UKIssuer,
		"iat":                         now.Unix(),
		"jti":                         randomHex(8),
		"software_environment":        s.Environment,
		"software_mode":               s.Mode,
		"software_id":                 s.ID,
		"software_client_id":          s.ID,
		"software_client_name":        s.ClientName,
		"software_client_description": s.Description,
		"software_version":            softwareVersionClaim(s.Version),
		"software_client_uri":         s.ClientURI,
		"software_redirect_uris":      s.RedirectURIs,
		"software_roles":              s.Roles,
		"organisation_competent_authority_claims": map[string]any{
			"authority_id":    "OBGBR",
			"registration_id": o.RegistrationID,
			"status":          o.Status,
			"authorisations":  o.Authorisations,
		},
		"software_logo_uri":              s.LogoURI,
		"org_status":                     o.Status,
		"org_id":                         o.ID,
		"org_name":                       o.Name,
		"org_contacts":                   contacts,
		"org_jwks_endpoint":              base + OrgJWKSPath(o.ID),
		"org_jwks_revoked_endpoint":      base + OrgRevokedJWKSPath(o.ID),
		"software_jwks_endpoint":         base + SoftwareJWKSPath(o.ID, s.ID),
		"software_jwks_revoked_endpoint": base + SoftwareRevokedJWKSPath(o.ID, s.ID),
		"software_policy_uri":            s.PolicyURI,
		"software_tos_uri":               s.TosURI,
		"software_on_behalf_of_org":      s.OnBehalfOfOrg,
	}
}

// cdrClaims are the claims of a CDR register SSA (seed 001).
func (d *Directory) cdrClaims(s *Software, o *Organisation, now time.Time) map[string]any {
	return map[string]any{
		"iss":                   CDRIssuer,
		"iat":                   now.Unix(),
		"exp":                   now.Add(cdrSSALifetime).Unix(),
		"jti":                   randomHex(16),
		"org_id":                o.ID,
		"org_name":              o.Name,
		"client_name":           s.ClientName,
		"client_description":    s.Description,
		"client_uri":            s.ClientURI,
		"redirect_uris":         s.RedirectURIs,
		"logo_uri":              s.LogoURI,
		"tos_uri":               s.TosURI,
		"policy_uri":            s.PolicyURI,
		"jwks_uri":              d.BaseURL() + SoftwareJWKSPath(o.ID, s.ID),
		"revocation_uri":        s.RevocationURI,
		"recipient_base_uri":    s.RecipientBaseURI,
		"software_id":           s.ID,
		"software_roles":        CDRSoftwareRoles,
		"scope":                 s.Scope,
		"sector_identifier_uri": s.SectorIdentifierURI,
	}
}

// UKSSAClaims names every claim of an unbroken UK SSA.
func UKSSAClaims() []string { return slices.Clone(ukClaimNames) }

// CDRSSAClaims names every claim of an unbroken CDR SSA.
func CDRSSAClaims() []string { return slices.Clone(cdrClaimNames) }

var (
	ukClaimNames = []string{
		"iss", "iat", "jti", "software_environment", "software_mode", "software_id", "software_client_id",
		"software_client_name", "software_client_description", "software_version", "software_client_uri",
		"software_redirect_uris", "software_roles", "organisation_competent_authority_claims", "software_logo_uri",
		"org_status", "org_id", "org_name", "org_contacts", "org_jwks_endpoint", "org_jwks_revoked_endpoint",
		"software_jwks_endpoint", "software_jwks_revoked_endpoint", "software_policy_uri", "software_tos_uri",
		"software_on_behalf_of_org",
	}
	cdrClaimNames = []string{
		"iss", "iat", "exp", "jti", "org_id", "org_name", "client_name", "client_description", "client_uri",
		"redirect_uris", "logo_uri", "tos_uri", "policy_uri", "jwks_uri", "revocation_uri", "recipient_base_uri",
		"software_id", "software_roles", "scope", "sector_identifier_uri",
	}
)
