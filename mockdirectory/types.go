package mockdirectory

import (
	"crypto"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/ssa"
)

// The vocabulary of SSAs, shared with the layers below through harness/ssa.
const (
	UKIssuer        = ssa.UKIssuer
	CDRIssuer       = ssa.CDRIssuer
	ProfileUK       = ssa.ProfileUK
	ProfileCDR      = ssa.ProfileCDR
	StatusActive    = ssa.StatusActive
	StatusRevoked   = ssa.StatusRevoked
	StatusWithdrawn = ssa.StatusWithdrawn
	StatusInactive  = ssa.StatusInactive
	RoleAISP        = ssa.RoleAISP
	RolePISP        = ssa.RolePISP
	RoleCBPII       = ssa.RoleCBPII
	RoleASPSP       = ssa.RoleASPSP
	KeyTypeRSA      = ssa.KeyTypeRSA
	KeyTypeEC       = ssa.KeyTypeEC
	WrongUKIssuer   = ssa.WrongUKIssuer
	WrongCDRIssuer  = ssa.WrongCDRIssuer
)

// Ways to break an SSA (SSAOptions.Break).
const (
	BreakBadSignature   = "bad-signature"    // a valid SSA with one byte of its signature flipped
	BreakUnpublishedKey = "unpublished-key"  // signed by a key the directory never published (its own kid)
	BreakAlgNone        = "alg-none"         // unsecured JWS: alg "none", empty signature, kid of a published key
	BreakHS256          = "hs256-public-key" // HS256 keyed with the PEM (PKIX) of the published key named by kid
	BreakExpired        = "expired"          // exp one hour in the past, iat 70 minutes in the past
	BreakFuture         = "future"           // iat and nbf one hour in the future
	BreakWrongIssuer    = "wrong-issuer"     // iss is WrongUKIssuer or WrongCDRIssuer
	// A claim-only status break (UK profile): the SSA says so, the stored organisation is unchanged. The OB
	// Directory's SSA has no software status: to revoke software, use SetSoftwareStatus, which moves its
	// keys to its revoked key set as the directory does.
	BreakOrgInactive = "org-inactive" // org_status "Inactive"
)

// Config configures a Directory.
type Config struct {
	StateDir   string // "" = in memory
	AdminToken string // bearer token for the admin API; "" disables the admin API (401 for every admin call)
	SeedFile   string // optional YAML/JSON seed of organisations and software
	Now        func() time.Time
	Logger     *slog.Logger // optional; nil discards
	// KeySource, when set, supplies software keys ("RSA" or "EC") instead of generating each one:
	// throwaway runs use a pre-generated pool, since RSA generation dominates their time.
	KeySource func(keyType string) (crypto.Signer, error)
	// IdentitiesInMemory keeps organisations and software (with their keys and certificates) out of
	// StateDir, which then holds the CA, the signing keys and the runs only: for a directory whose
	// identities live for one run (a config's directory: block), so that no run writes ~600 files.
	IdentitiesInMemory bool
}

// Contact is an organisation contact, as in the UK SSA's org_contacts.
type Contact struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone,omitempty"`
	Type  string `json:"type"` // Technical, Business, Billing or Other
}

// Authorisation is one entry of organisation_competent_authority_claims.authorisations.
type Authorisation struct {
	MemberState string   `json:"member_state"` // ISO 3166 alpha-2, e.g. GB
	Roles       []string `json:"roles"`
}

// Organisation is a directory participant (UK organisation; CDR data recipient brand).
type Organisation struct {
	ID             string          `json:"id,omitempty"`     // generated if empty: 18 chars like "0015800001HQQrZAAX"
	Name           string          `json:"name"`             // required
	Status         string          `json:"status,omitempty"` // Active (default), Revoked, Withdrawn, Inactive
	Roles          []string        `json:"roles,omitempty"`  // default AISP, PISP, CBPII
	Contacts       []Contact       `json:"contacts,omitempty"`
	RegistrationID string          `json:"registration_id,omitempty"` // default "Unknown" + ID
	Authorisations []Authorisation `json:"authorisations,omitempty"`  // default [{GB, Roles}]
	// Run is the run that owns the organisation (see StartRun): it is removed with the run. Empty: it stays.
	Run string `json:"run,omitempty"`
}

// Software is a software statement (UK) or software product (CDR) of an organisation.
type Software struct {
	ID           string   `json:"id,omitempty"` // generated if empty: 22 chars base62
	OrgID        string   `json:"org_id,omitempty"`
	ClientName   string   `json:"client_name"`      // required
	Status       string   `json:"status,omitempty"` // Active (default), Revoked, Withdrawn, Inactive
	Roles        []string `json:"roles,omitempty"`  // default: the organisation's roles; must be held by the organisation
	RedirectURIs []string `json:"redirect_uris,omitempty"`
	// Optional metadata; defaults are derived from the client URI and names.
	Description         string `json:"client_description,omitempty"`
	ClientURI           string `json:"client_uri,omitempty"`
	LogoURI             string `json:"logo_uri,omitempty"`
	PolicyURI           string `json:"policy_uri,omitempty"`
	TosURI              string `json:"tos_uri,omitempty"`
	OnBehalfOfOrg       string `json:"on_behalf_of_org,omitempty"`
	Version             string `json:"version,omitempty"`     // software_version; emitted as a JSON number when numeric
	Environment         string `json:"environment,omitempty"` // software_environment, default "sandbox"
	Mode                string `json:"mode,omitempty"`        // software_mode, default "Test"
	KeyType             string `json:"key_type,omitempty"`    // RSA (default, PS256) or EC (ES256)
	Scope               string `json:"scope,omitempty"`       // CDR scope
	SectorIdentifierURI string `json:"sector_identifier_uri,omitempty"`
	RecipientBaseURI    string `json:"recipient_base_uri,omitempty"`
	RevocationURI       string `json:"revocation_uri,omitempty"`
}

// KeyInfo describes a published key (directory or software).
type KeyInfo struct {
	KeyID      string     `json:"kid"`
	Alg        string     `json:"alg"`
	Use        string     `json:"use"`                // sig, or tls for a transport key
	Status     string     `json:"status"`             // live, revoked (software keys); active, published (directory keys)
	X5tS256    string     `json:"x5t#S256,omitempty"` // certificate thumbprint
	CreatedAt  time.Time  `json:"created_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	SubjectDN  string     `json:"subject_dn,omitempty"`
	NotAfter   *time.Time `json:"not_after,omitempty"`
	SoftwareID string     `json:"software_id,omitempty"`
}

// Credentials are a software's private keys: what a TPP / data recipient holds.
type Credentials struct {
	SoftwareID, OrgID string
	SigningKey        joseutil.Key    // private; RSA PS256 by default (ES256 for KeyType EC), certificate chain in Certs
	Transport         tls.Certificate // mTLS client chain (leaf + issuing CA) and key; CN=<software_id>, OU=<org_id>, O=OpenBanking, C=GB
	// Revoked are the software's revoked keys (signing and transport), private, for negative scenarios.
	Revoked []joseutil.Key
}

// SSAOptions choose the profile and algorithm of an SSA, and how to break it (a Break* constant).
type SSAOptions = ssa.Options

// Errors returned by the Directory; test with errors.Is / errors.As.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// ValidationError is a rejected input, naming the offending field (JSON path, e.g. "redirect_uris[1]").
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Message)
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

func notFound(what, id string) error { return fmt.Errorf("%s %q: %w", what, id, ErrNotFound) }

// conflictError is a 409: the input clashes with existing state (Field names the input field, if any).
type conflictError struct{ field, msg string }

func (e *conflictError) Error() string { return e.msg }
func (e *conflictError) Unwrap() error { return ErrConflict }

func conflict(field, format string, args ...any) error {
	return &conflictError{field: field, msg: fmt.Sprintf(format, args...)}
}
