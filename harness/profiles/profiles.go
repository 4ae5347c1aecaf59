// Package profiles is the registry of DCR profiles (dialects): one entry each, read by every layer that
// lists, validates or serves profiles: the CLI's help and init, config validation, the reference bank,
// the suites' framework and the reports. A new profile is one entry here, one suite package that
// registers its specs, error tables and baseline under the entry's name, and its reference bank dialect.
package profiles

import (
	"slices"

	"github.com/dcrconform/dcrconform/harness/ssa"
)

// Bodies of a registration (and update) request.
const (
	BodyJWT  = "jwt"  // the claims signed with the software's key
	BodyJSON = "json" // a JSON object of client metadata
)

// How a registration request is authorised.
const (
	RegAuthMTLS         = "mtls"                 // the transport certificate alone
	RegAuthBasic        = "basic"                // HTTP Basic (an administrator's credentials)
	RegAuthInitialToken = "initial-access-token" // RFC 7591 section 3: a Bearer initial access token
	RegAuthNone         = "none"                 // open registration
)

// How registration management (GET, PUT, DELETE) is authorised.
const (
	ManageClientToken       = "client-token"       // a client_credentials access token of the client
	ManageRegistrationToken = "registration-token" // RFC 7592: the registration_access_token at registration_client_uri
)

// Media types of registration bodies.
const (
	JWTContentType  = "application/jwt"
	JSONContentType = "application/json"
)

// Profile is what every layer knows of one DCR dialect. What its specs accept (error tables, baseline
// request) is the suite package's, registered under Name.
type Profile struct {
	Name        string // the first label of its specs, the config's profile, the CLI's --profile
	Title       string // e.g. "UK OBIE DCR 3.3"
	Description string // one line for init's starter config and the CLI's help

	SSA              string   // the SSA kind it sends (ssa.ProfileUK, ssa.ProfileCDR); "" for none
	Body             string   // BodyJWT or BodyJSON
	ContentType      string   // of registration and update bodies
	MTLS             bool     // registration, token and management requests carry the transport certificate
	RegistrationAuth string   // RegAuth*
	ManagementAuth   string   // Manage*
	ManagementScope  string   // scope a management access token must carry ("" none)
	Discovery        bool     // the bank publishes an OpenID discovery document the config may point at
	Versions         []string // the versions target.version may name; nil: one version
	DefaultVersion   string   // the version of a target without target.version (one of Versions)

	RegistrationPath string // the registration endpoint on the reference bank
}

var registry = []Profile{
	{Name: "uk", Title: "UK OBIE DCR 3.3",
		Description: "a UK OBIE DCR 3.3 bank: signed JWT registrations carrying an SSA, over mutual TLS",
		SSA:         ssa.ProfileUK, Body: BodyJWT, ContentType: JWTContentType, MTLS: true,
		RegistrationAuth: RegAuthMTLS, ManagementAuth: ManageClientToken, Discovery: true,
		Versions: []string{"3.1", "3.2", "3.3", "3.4"}, DefaultVersion: "3.3", RegistrationPath: "/open-banking/v3.3.0/register"},
	{Name: "cdr", Title: "AU CDR DCR 0.2",
		Description: "an Australian CDR data holder: SSAs from the CDR register, management with scope cdr:registration",
		SSA:         ssa.ProfileCDR, Body: BodyJWT, ContentType: JWTContentType, MTLS: true,
		RegistrationAuth: RegAuthMTLS, ManagementAuth: ManageClientToken, ManagementScope: "cdr:registration", Discovery: true,
		RegistrationPath: "/open-banking/0.2/register"},
	{Name: "generic", Title: "generic accelerator DCR 0.1",
		Description: "a generic accelerator DCR 0.1 server: signed JWT registrations carrying an SSA, over mutual TLS",
		SSA:         ssa.ProfileUK, Body: BodyJWT, ContentType: JWTContentType, MTLS: true,
		RegistrationAuth: RegAuthMTLS, ManagementAuth: ManageClientToken, Discovery: true,
		RegistrationPath: "/open-banking/0.1/register"},
	{Name: "is", Title: "Identity Server DCR v1.1",
		Description: "an Identity Server DCR v1.1 endpoint: JSON bodies carrying software_statement, HTTP Basic as administrator",
		SSA:         ssa.ProfileUK, Body: BodyJSON, ContentType: JSONContentType, MTLS: true,
		RegistrationAuth: RegAuthBasic, ManagementAuth: ManageClientToken,
		RegistrationPath: "/api/identity/oauth2/dcr/v1.1/register"},
	{Name: "rfc7591", Title: "OAuth 2.0 Dynamic Client Registration (RFC 7591) and Management (RFC 7592)",
		Description: "a plain RFC 7591/7592 authorization server: JSON metadata, an initial access token, registration_access_token management",
		Body:        BodyJSON, ContentType: JSONContentType,
		RegistrationAuth: RegAuthInitialToken, ManagementAuth: ManageRegistrationToken, Discovery: true,
		RegistrationPath: "/connect/register"},
}

// All returns every profile, in the registry's order.
func All() []Profile { return slices.Clone(registry) }

// Names lists the profiles' names, in the registry's order.
func Names() []string {
	out := make([]string, len(registry))
	for i, p := range registry {
		out[i] = p.Name
	}
	return out
}

// Lookup returns the profile of a name.
func Lookup(name string) (Profile, bool) {
	i := slices.IndexFunc(registry, func(p Profile) bool { return p.Name == name })
	if i < 0 {
		return Profile{}, false
	}
	return registry[i], true
}
