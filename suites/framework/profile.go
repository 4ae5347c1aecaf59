package framework

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"

	dialects "github.com/dcrconform/dcrconform/harness/profiles"
	"github.com/dcrconform/dcrconform/harness/target"
)

// The registry's (harness/profiles) names of bodies and authorisations, as the specs use them.
const (
	EncodingJWT             = dialects.BodyJWT
	EncodingJSON            = dialects.BodyJSON
	RegAuthMTLS             = dialects.RegAuthMTLS
	RegAuthBasic            = dialects.RegAuthBasic
	RegAuthInitialToken     = dialects.RegAuthInitialToken
	RegAuthNone             = dialects.RegAuthNone
	ManageClientToken       = dialects.ManageClientToken
	ManageRegistrationToken = dialects.ManageRegistrationToken
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

// Profile is one DCR dialect: how requests are built and which answers are correct. Its dialect (title,
// body, SSA, authorisation) is the registry's (harness/profiles), filled in by RegisterProfile; the suite
// package declares the rest. A configuration may override any knob (target.ProfileSettings).
type Profile struct {
	Name  string // the registry's name, the first label of its specs: uk, cdr, generic, is, rfc7591
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

	// Versions adjusts the profile for a target.version (UK OBIE DCR 3.1, 3.2, 3.3, 3.4), before overrides.
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

// RegisterProfile adds a suite's profile, completed with its registry entry's dialect; suite packages
// call it from their init. A name the registry (harness/profiles) lacks, or a dialect field the suite
// sets otherwise than the registry, panics: the registry is the one place a dialect is written.
func RegisterProfile(p Profile) {
	p = withDialect(p)
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

// withDialect fills p's dialect from the registry.
func withDialect(p Profile) Profile {
	d, ok := dialects.Lookup(p.Name)
	if !ok {
		panic(fmt.Sprintf("profile %q is not in the registry (harness/profiles): one of %v", p.Name, dialects.Names()))
	}
	from := Profile{Name: p.Name, Title: d.Title, Encoding: d.Body, ContentType: d.ContentType, SSA: d.SSA, MTLS: d.MTLS,
		RegistrationAuth: d.RegistrationAuth, ManagementAuth: d.ManagementAuth, ManagementScope: d.ManagementScope}
	set := func(field string, dst *string, v string) {
		if *dst != "" && *dst != v {
			panic(fmt.Sprintf("profile %s declares %s %q; the registry (harness/profiles) says %q", p.Name, field, *dst, v))
		}
		*dst = v
	}
	set("title", &p.Title, from.Title)
	set("encoding", &p.Encoding, from.Encoding)
	set("content type", &p.ContentType, from.ContentType)
	set("SSA", &p.SSA, from.SSA)
	set("registration auth", &p.RegistrationAuth, from.RegistrationAuth)
	set("management auth", &p.ManagementAuth, from.ManagementAuth)
	set("management scope", &p.ManagementScope, from.ManagementScope)
	p.MTLS = from.MTLS
	return p
}
