package framework

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"

	"github.com/dcrconform/dcrconform/harness/target"
)

// Request encodings of a registration (and update) body.
const (
	EncodingJWT  = "jwt"  // the claims signed with the software's key (UK, CDR, generic)
	EncodingJSON = "json" // a JSON object of client metadata (Identity Server, RFC 7591)
)

// How a registration request is authorised.
const (
	RegAuthMTLS         = "mtls"                 // the transport certificate alone
	RegAuthBasic        = "basic"                // HTTP Basic (an administrator's credentials), over mTLS if the profile says so
	RegAuthInitialToken = "initial-access-token" // RFC 7591 section 3: a Bearer initial access token
	RegAuthNone         = "none"                 // open registration
)

// How registration management (GET, PUT, DELETE) is authorised.
const (
	ManageClientToken       = "client-token"       // a client_credentials access token of the client (UK, CDR, generic, IS)
	ManageRegistrationToken = "registration-token" // RFC 7592: the registration_access_token at registration_client_uri
)

// Faults: what a negative spec does wrong. A profile says which error codes answer each fault, since
// banks differ (SPEC-NOTES "Error responses").
const (
	FaultSSA          = "ssa"           // the SSA's signature, key, issuer or lifetime
	FaultUnapproved   = "unapproved"    // an SSA of software or an organisation that is not active
	FaultRedirectURI  = "redirect-uri"  // a redirect URI the SSA or the rules do not allow
	FaultMetadata     = "metadata"      // request signature, claims, unsupported metadata values
	FaultDuplicate    = "duplicate"     // a second registration of one software
	FaultBody         = "body"          // a body that is not what the profile sends
	FaultClientAuth   = "client-auth"   // the token endpoint refusing a client
	FaultUpdateClient = "update-client" // a PUT naming another client
)

// Profile is one DCR dialect: how requests are built and which answers are correct. Suites declare
// theirs with RegisterProfile; a configuration may override any knob (target.ProfileSettings).
type Profile struct {
	Name  string // the first label of its specs: uk, cdr, generic, is, rfc7591
	Title string // e.g. "AU CDR DCR 0.2"

	Encoding    string // EncodingJWT or EncodingJSON
	ContentType string // of registration and update bodies
	SSA         string // mockdirectory SSA profile ("uk" or "cdr"); "" when the profile sends no SSA
	MTLS        bool   // registration, token and management requests carry the transport certificate

	RegistrationAuth string // RegAuth*
	ManagementAuth   string // Manage*
	ManagementScope  string // scope a management access token must carry (CDR: cdr:registration)
	Scope            string // default scope registered and requested; "" sends none (see Framework.Scope)

	Errors map[string][]string // Fault* -> accepted error codes
	Skip   []string            // scenario IDs that do not apply

	// Versions adjusts the profile for a target.version (UK OBIE DCR 3.1, 3.2, 3.3), before overrides.
	Versions map[string]func(Profile) Profile

	// Baseline is a valid registration request of the profile for sw: every negative changes one thing.
	Baseline func(f *Framework, sw *target.Software) Claims
}

// Codes returns the error codes the profile accepts for a fault.
func (p Profile) Codes(fault string) []string {
	if codes := p.Errors[fault]; len(codes) > 0 {
		return codes
	}
	panic(fmt.Sprintf("profile %s accepts no error code for fault %q", p.Name, fault))
}

// With returns the profile with a target's overrides applied.
func (p Profile) With(s target.ProfileSettings) Profile {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&p.ContentType, s.ContentType)
	set(&p.RegistrationAuth, s.RegistrationAuth)
	set(&p.ManagementAuth, s.ManagementAuth)
	set(&p.ManagementScope, s.ManagementScope)
	if s.MTLS != nil {
		p.MTLS = *s.MTLS
	}
	if len(s.Errors) > 0 {
		p.Errors = maps.Clone(p.Errors)
		maps.Copy(p.Errors, s.Errors)
	}
	p.Skip = append(slices.Clone(p.Skip), s.Skip...)
	return p
}

// Validate checks that the knobs have known values.
func (p Profile) Validate() error {
	switch {
	case p.Name == "" || p.Baseline == nil:
		return fmt.Errorf("profile %q: a name and a baseline are required", p.Name)
	case p.Encoding != EncodingJWT && p.Encoding != EncodingJSON:
		return fmt.Errorf("profile %s: encoding %q is neither %s nor %s", p.Name, p.Encoding, EncodingJWT, EncodingJSON)
	case !slices.Contains([]string{RegAuthMTLS, RegAuthBasic, RegAuthInitialToken, RegAuthNone}, p.RegistrationAuth):
		return fmt.Errorf("profile %s: registration auth %q is not one of mtls, basic, initial-access-token, none", p.Name, p.RegistrationAuth)
	case p.ManagementAuth != ManageClientToken && p.ManagementAuth != ManageRegistrationToken:
		return fmt.Errorf("profile %s: management auth %q is neither %s nor %s", p.Name, p.ManagementAuth, ManageClientToken, ManageRegistrationToken)
	}
	return nil
}

var (
	profilesMu sync.RWMutex
	profiles   = map[string]Profile{}
)

// RegisterProfile adds a profile to the registry; suite packages call it from their init.
func RegisterProfile(p Profile) {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	profilesMu.Lock()
	defer profilesMu.Unlock()
	if _, dup := profiles[p.Name]; dup {
		panic("profile " + p.Name + " registered twice")
	}
	profiles[p.Name] = p
}

// LookupProfile returns a registered profile by name.
func LookupProfile(name string) (Profile, bool) {
	profilesMu.RLock()
	defer profilesMu.RUnlock()
	p, ok := profiles[name]
	return p, ok
}

// ProfileNames lists the registered profiles, sorted.
func ProfileNames() []string {
	profilesMu.RLock()
	defer profilesMu.RUnlock()
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Profile is the spec's profile with the target's overrides applied.
func (f *Framework) Profile() Profile {
	if f.profile != nil {
		return *f.profile
	}
	p, ok := LookupProfile(f.Scenario.Profile)
	if !ok {
		f.Failf("a registered profile "+f.Scenario.Profile, "none: no suite package registered it")
	}
	if adjust := p.Versions[f.Target.Version]; adjust != nil {
		p = adjust(p)
	}
	p = p.With(f.Target.Settings(p.Name))
	f.profile = &p
	return p
}

// Settings is what the target says about the spec's profile.
func (f *Framework) Settings() target.ProfileSettings { return f.Target.Settings(f.Scenario.Profile) }

// applies skips the spec when the target does not serve its profile or the profile skips the scenario.
func (f *Framework) applies() {
	if !f.Target.Serves(f.Scenario.Profile) {
		f.Skipf("the target does not serve the %s profile", f.Scenario.Profile)
	}
	if slices.Contains(f.Profile().Skip, f.Scenario.ID) {
		if why := f.Settings().SkipReasons[f.Scenario.ID]; why != "" {
			f.Skipf("the configuration skips %s (overrides.skip): %s", f.Scenario.ID, why)
		}
		f.Skipf("the %s profile configuration says %s does not apply", f.Scenario.Profile, f.Scenario.ID)
	}
}
