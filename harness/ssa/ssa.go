// Package ssa names what a Software Statement Assertion is made of, for every layer that asks a
// directory for one: the SSA profiles and their issuers, the statuses, roles and key types of the
// directory's participants, and the options that shape (or break) an SSA. It holds no behaviour, so
// the lower layers (target) and the mock directory share it without importing each other.
package ssa

// Issuers of the two SSA profiles.
const (
	UKIssuer  = "OpenBanking Ltd"
	CDRIssuer = "cdr-register"
)

// SSA profiles.
const (
	ProfileUK  = "uk"
	ProfileCDR = "cdr"
)

// Statuses of organisations and software.
const (
	StatusActive    = "Active"
	StatusRevoked   = "Revoked"
	StatusWithdrawn = "Withdrawn"
	StatusInactive  = "Inactive"
)

// Roles an organisation or software may hold.
const (
	RoleAISP  = "AISP"
	RolePISP  = "PISP"
	RoleCBPII = "CBPII"
	RoleASPSP = "ASPSP"
)

// Software key types.
const (
	KeyTypeRSA = "RSA" // PS256 signing key (default)
	KeyTypeEC  = "EC"  // ES256 signing key
)

// Issuers used by BreakWrongIssuer.
const (
	WrongUKIssuer  = "OpenBanking Ltd (impostor)"
	WrongCDRIssuer = "cdr-register-impostor"
)

// Options choose the profile and algorithm of an SSA, and how to break it.
type Options struct {
	Profile string         `json:"profile,omitempty"` // "uk" (default) or "cdr"
	Alg     string         `json:"alg,omitempty"`     // "PS256" (default) or "ES256"
	Break   string         `json:"break,omitempty"`   // "" or one of the Break* constants of the mock directory
	Remove  []string       `json:"remove,omitempty"`  // claims to remove (applied after Set)
	Set     map[string]any `json:"set,omitempty"`     // claims to add or replace (applied after Break)
}
