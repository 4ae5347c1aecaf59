// Package config reads the YAML that points dcrconform at an external bank, and turns it into a target.
// Every error names the field at fault.
package config

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/harness/transcript"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// Config is the file given to `dcrconform run --config`.
type Config struct {
	Profile   string     `json:"profile"`
	Target    Target     `json:"target"`
	Software  *Software  `json:"software,omitempty"`
	Directory *Directory `json:"directory,omitempty"`
	Overrides *Overrides `json:"overrides,omitempty"` // the profile's credentials and knobs (see Overrides)
	Container *Container `json:"container,omitempty"` // run the bank from an image (see container.go)

	// What Load read and checked of the files the config names, for BuildTarget to use rather than read
	// them again.
	caCerts  []*x509.Certificate
	software *target.Software
}

// Target says where the bank is and what it implements.
type Target struct {
	Name                 string   `json:"name"`
	DiscoveryURL         string   `json:"discovery_url"`
	RegistrationEndpoint string   `json:"registration_endpoint"`
	TokenEndpoint        string   `json:"token_endpoint"`
	Issuer               string   `json:"issuer"`
	Audience             string   `json:"audience"`
	AssertionAudience    string   `json:"assertion_audience"` // aud of client assertions: both (default), token_endpoint or issuer
	Version              string   `json:"version"`            // UK OBIE DCR version: 3.1, 3.2 or 3.3 (default)
	Scope                *string  `json:"scope"`              // absent: the profile's default; "": no scope sent
	CABundle             string   `json:"ca_bundle"`
	Timeout              string   `json:"timeout"` // a Go duration such as "10s"
	Supports             Supports `json:"supports"`
}

// Supports lists the optional operations; each defaults to true.
type Supports struct {
	Read   *bool `json:"read"`
	Update *bool `json:"update"`
	Delete *bool `json:"delete"`
}

// Software is a software identity the bank already trusts, with its SSA given.
type Software struct {
	SoftwareID    string   `json:"software_id"`
	OrgID         string   `json:"org_id"`
	TransportCert string   `json:"transport_cert"`
	TransportKey  string   `json:"transport_key"`
	SigningKey    string   `json:"signing_key"`
	SigningKID    string   `json:"signing_kid"`
	SigningAlg    string   `json:"signing_alg"`
	RedirectURIs  []string `json:"redirect_uris"`
	SSA           string   `json:"ssa"`
	SSAFile       string   `json:"ssa_file"`
}

// Directory asks the harness to start a mock directory that mints software identities and SSAs; the
// bank must trust its key set URL and CA.
type Directory struct {
	Listen  string `json:"listen"`
	BaseURL string `json:"base_url"`
	State   string `json:"state"`
}

// TimeoutDuration is target.timeout parsed; zero when absent. Validate has checked it.
func (t *Target) TimeoutDuration() time.Duration {
	d, _ := time.ParseDuration(t.Timeout)
	return d
}

// Profiles known to this version.
var Profiles = []string{"uk", "cdr", "generic", "is", "rfc7591"}

// AssertionAudiences are the values of target.assertion_audience: what a client assertion's aud names.
var AssertionAudiences = []string{target.AssertionAudienceBoth, target.AssertionAudienceToken, target.AssertionAudienceIssuer}

// UKVersions are the UK OBIE DCR versions target.version selects.
var UKVersions = []string{"3.1", "3.2", "3.3"}

// Overrides give the credentials a profile's registration needs and override any of its knobs
// (suites/framework.Profile); every field is optional.
type Overrides struct {
	BasicUser          string              `json:"basic_user"`           // Identity Server: the administrator's HTTP Basic credentials
	BasicPassword      string              `json:"basic_password"`       //
	InitialAccessToken string              `json:"initial_access_token"` // RFC 7591: the initial access token
	ContentType        string              `json:"content_type"`         // media type of registration bodies
	RegistrationAuth   string              `json:"registration_auth"`    // mtls, basic, initial-access-token or none
	ManagementAuth     string              `json:"management_auth"`      // client-token or registration-token
	ManagementScope    string              `json:"management_scope"`     // scope a management token must carry
	MTLS               *bool               `json:"mtls"`                 // whether requests carry the transport certificate
	Errors             map[string][]string `json:"errors"`               // fault -> accepted error codes
	Skip               SkipList            `json:"skip"`                 // scenario IDs that do not apply, each with an optional reason
	SecretHeaders      []string            `json:"secret_headers"`       // headers whose values are masked in every output (besides Authorization, cookies, *-Token, *-Api-Key, ...)

	// The baseline registration's grant_types and token_endpoint_auth_method (default: the profile's).
	GrantTypes              []string `json:"grant_types"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`

	// Specs replaces, per scenario ID, the statuses and error codes the spec accepts as a refusal.
	Specs map[string]SpecOverride `json:"specs"`
}

// SpecOverride is what one spec accepts as a refusal (statuses, error codes) instead of its own.
type SpecOverride struct {
	Statuses []int    `json:"statuses"`
	Errors   []string `json:"errors"`
}

// Skip is one entry of overrides.skip: a scenario ID and why it does not apply (shown in reports).
type Skip struct {
	ID     string
	Reason string
}

// SkipList is overrides.skip: a list whose items are a scenario ID, or a one-entry map of a scenario
// ID to the reason it does not apply:
//
//	skip:
//	  - RFC-REG-N02
//	  - RFC-PUT-N06: the server keeps client secrets outside the registration
type SkipList []Skip

// UnmarshalJSON reads the list (YAML is read through JSON).
func (l *SkipList) UnmarshalJSON(b []byte) error {
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil {
		return errors.New("overrides.skip: a list of scenario IDs, each optionally a map of the ID to a reason")
	}
	out := make(SkipList, 0, len(items))
	for i, raw := range items {
		var id string
		if json.Unmarshal(raw, &id) == nil {
			out = append(out, Skip{ID: id})
			continue
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil || len(m) != 1 {
			return fmt.Errorf("overrides.skip[%d]: a scenario ID, or one \"ID: reason\" entry", i)
		}
		for id, reason := range m {
			out = append(out, Skip{ID: id, Reason: reason})
		}
	}
	*l = out
	return nil
}

// IDs are the scenario IDs of the list.
func (l SkipList) IDs() []string {
	ids := make([]string, len(l))
	for i, s := range l {
		ids[i] = s.ID
	}
	return ids
}

func (o *Overrides) validate(bad func(field, format string, args ...any)) {
	if o == nil {
		return
	}
	if v := o.RegistrationAuth; v != "" && !contains([]string{"mtls", "basic", "initial-access-token", "none"}, v) {
		bad("overrides.registration_auth", "%q is not one of mtls, basic, initial-access-token, none", v)
	}
	if v := o.ManagementAuth; v != "" && v != "client-token" && v != "registration-token" {
		bad("overrides.management_auth", "%q is neither client-token nor registration-token", v)
	}
	for i, h := range o.SecretHeaders {
		if h == "" || strings.ContainsAny(h, " :\t\r\n") {
			bad(fmt.Sprintf("overrides.secret_headers[%d]", i), "%q is not a header name", h)
		}
	}
	faults := []string{"ssa", "unapproved", "redirect-uri", "metadata", "duplicate", "body", "client-auth", "update-client"}
	for fault, codes := range o.Errors {
		if !contains(faults, fault) {
			bad("overrides.errors."+fault, "not a fault: one of %s", strings.Join(faults, ", "))
		}
		if len(codes) == 0 {
			bad("overrides.errors."+fault, "at least one error code")
		}
	}
	for id, so := range o.Specs {
		if len(so.Statuses) == 0 && len(so.Errors) == 0 {
			bad("overrides.specs."+id, "give statuses, errors or both")
		}
		for _, st := range so.Statuses {
			if st < 100 || st > 599 {
				bad("overrides.specs."+id+".statuses", "%d is not an HTTP status", st)
			}
		}
	}
	for i, s := range o.Skip {
		if s.ID == "" {
			bad(fmt.Sprintf("overrides.skip[%d]", i), "an empty scenario ID")
		}
	}
	if m := o.TokenEndpointAuthMethod; m != "" && !contains(authMethods, m) {
		bad("overrides.token_endpoint_auth_method", "%q is not one of %s", m, strings.Join(authMethods, ", "))
	}
	for i, g := range o.GrantTypes {
		if g == "" {
			bad(fmt.Sprintf("overrides.grant_types[%d]", i), "an empty grant type")
		}
	}
}

// authMethods are the token endpoint auth methods the harness can authenticate with.
var authMethods = []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "tls_client_auth"}

// settings is what the target says about its profile.
func (c *Config) settings() *target.ProfileSettings {
	s := &target.ProfileSettings{Registration: c.Target.RegistrationEndpoint, Scope: c.Target.Scope}
	if o := c.Overrides; o != nil {
		s.BasicUser, s.BasicPassword, s.InitialAccessToken = o.BasicUser, o.BasicPassword, o.InitialAccessToken
		s.ContentType, s.RegistrationAuth, s.ManagementAuth, s.ManagementScope = o.ContentType, o.RegistrationAuth, o.ManagementAuth, o.ManagementScope
		s.MTLS, s.Errors, s.Skip = o.MTLS, o.Errors, o.Skip.IDs()
		transcript.SetSecretHeaders(o.SecretHeaders...) // masked from here on, in every output
		s.GrantTypes, s.TokenEndpointAuthMethod = o.GrantTypes, o.TokenEndpointAuthMethod
		for _, sk := range o.Skip {
			if sk.Reason != "" {
				if s.SkipReasons == nil {
					s.SkipReasons = map[string]string{}
				}
				s.SkipReasons[sk.ID] = sk.Reason
			}
		}
		if len(o.Specs) > 0 {
			s.Specs = map[string]target.SpecOverride{}
			for id, so := range o.Specs {
				s.Specs[id] = target.SpecOverride{Statuses: so.Statuses, Errors: so.Errors}
			}
		}
	}
	return s
}

// MaxConfigBytes caps a config file.
const MaxConfigBytes = 1 << 20

// readCapped reads a file of at most max bytes.
func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is over %d bytes", path, max)
	}
	return data, nil
}

// Load reads and validates a config file.
func Load(path string) (*Config, error) {
	data, err := readCapped(path, MaxConfigBytes)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	c.resolvePaths(filepath.Dir(path))
	if err := c.checkFiles(time.Now()); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Parse reads YAML strictly (an unknown field is an error) and validates it.
func Parse(data []byte) (*Config, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the file is empty")
	}
	var c Config
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) resolvePaths(dir string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	abs(&c.Target.CABundle)
	if s := c.Software; s != nil {
		for _, p := range []*string{&s.TransportCert, &s.TransportKey, &s.SigningKey, &s.SSAFile} {
			abs(p)
		}
	}
	if c.Directory != nil {
		abs(&c.Directory.State)
	}
	c.Container.resolvePaths(abs)
}

// Validate checks every field and returns an error naming each one at fault.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if c.Profile == "" {
		c.Profile = "uk"
	}
	if !contains(Profiles, c.Profile) {
		bad("profile", "%q is not one of %s", c.Profile, strings.Join(Profiles, ", "))
	}
	c.Overrides.validate(bad)
	t := &c.Target
	if t.AssertionAudience != "" && !contains(AssertionAudiences, t.AssertionAudience) {
		bad("target.assertion_audience", "%q is not one of %s", t.AssertionAudience, strings.Join(AssertionAudiences, ", "))
	}
	if t.Version != "" && !contains(UKVersions, t.Version) {
		bad("target.version", "%q is not one of %s", t.Version, strings.Join(UKVersions, ", "))
	} else if t.Version != "" && c.Profile != "uk" {
		bad("target.version", "applies to the uk profile only, not %s", c.Profile)
	}
	if c.Container == nil && t.DiscoveryURL == "" && (t.RegistrationEndpoint == "" || t.TokenEndpoint == "") {
		bad("target.discovery_url", "required unless both target.registration_endpoint and target.token_endpoint are given")
	}
	if c.Container == nil && t.DiscoveryURL == "" && t.Issuer == "" && t.Audience == "" && c.Profile != "rfc7591" && c.Profile != "is" {
		bad("target.issuer", "required without target.discovery_url: it is the aud of signed registration requests (or give target.audience)")
	}
	for field, v := range map[string]string{"target.discovery_url": t.DiscoveryURL, "target.registration_endpoint": t.RegistrationEndpoint, "target.token_endpoint": t.TokenEndpoint} {
		if v != "" && c.Container == nil { // a container block checks its own (paths)
			if err := checkURL(v); err != nil {
				bad(field, "%v", err)
			}
		}
	}
	if t.Timeout != "" {
		if d, err := time.ParseDuration(t.Timeout); err != nil {
			bad("target.timeout", "%q is not a duration like \"10s\"", t.Timeout)
		} else if d <= 0 || d > 5*time.Minute {
			bad("target.timeout", "%s is outside 0 to 5m", d)
		}
	}
	switch {
	case c.Container != nil:
		errs = append(errs, c.validateContainer()...)
	case c.Software == nil && c.Directory == nil && c.Profile == "rfc7591":
		// plain RFC 7591 sends no software statement: the harness makes up each client's metadata
	case c.Software == nil && c.Directory == nil:
		bad("software", "either software (with its SSA) or directory (to mint SSAs) is required")
	case c.Software != nil && c.Directory != nil:
		bad("directory", "give software or directory, not both")
	case c.Software != nil:
		s := c.Software
		for field, v := range map[string]string{"software.software_id": s.SoftwareID, "software.transport_cert": s.TransportCert, "software.transport_key": s.TransportKey, "software.signing_key": s.SigningKey, "software.signing_kid": s.SigningKID} {
			if v == "" {
				bad(field, "required")
			}
		}
		if (s.SSA == "") == (s.SSAFile == "") {
			bad("software.ssa", "give exactly one of software.ssa and software.ssa_file")
		}
		if s.SigningAlg != "" && s.SigningAlg != "PS256" && s.SigningAlg != "ES256" {
			bad("software.signing_alg", "%q is not PS256 or ES256", s.SigningAlg)
		}
		if len(s.RedirectURIs) == 0 {
			bad("software.redirect_uris", "at least one redirect URI of the SSA is required")
		}
	case c.Directory != nil:
		if c.Directory.Listen != "" {
			if _, _, err := net.SplitHostPort(c.Directory.Listen); err != nil {
				bad("directory.listen", "%v", err)
			}
		}
		if c.Directory.BaseURL != "" {
			if u, err := url.Parse(c.Directory.BaseURL); err != nil || u.Host == "" {
				bad("directory.base_url", "%q is not an absolute URL", c.Directory.BaseURL)
			}
		}
	}
	return errors.Join(errs...)
}

func checkURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return err
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", v)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// BuildTarget turns the config into a target, loading every file it names. When the config asks for a
// mock directory, dir is the in-process directory that mints SSAs (the caller serves it).
func (c *Config) BuildTarget(dir *mockdirectory.Directory) (*target.Target, error) {
	t := &c.Target
	tgt := &target.Target{
		Name: t.Name, Profile: c.Profile, DiscoveryURL: t.DiscoveryURL, Registration: t.RegistrationEndpoint,
		Token: t.TokenEndpoint, Issuer: t.Issuer, Audience: t.Audience, AssertionAudience: t.AssertionAudience, Timeout: t.TimeoutDuration(), Version: t.Version,
		Supports: target.Capabilities{Read: orTrue(t.Supports.Read), Update: orTrue(t.Supports.Update), Delete: orTrue(t.Supports.Delete)},
	}
	if tgt.Name == "" {
		tgt.Name = "target"
	}
	if t.CABundle != "" {
		certs := c.caCerts
		if certs == nil {
			var err error
			if certs, err = readCABundle(t.CABundle); err != nil {
				return nil, err
			}
		}
		tgt.RootCAs = x509.NewCertPool()
		for _, cert := range certs {
			tgt.RootCAs.AddCert(cert)
		}
	}
	tgt.Profiles = map[string]*target.ProfileSettings{c.Profile: c.settings()}
	if dir != nil {
		tgt.Directory = target.InProcessDirectory(dir)
		return tgt, nil
	}
	if c.Software == nil {
		return tgt, nil // rfc7591: no software statement
	}
	sw := c.software
	c.software = nil // a target's own: it is registered and deleted in turn
	if sw == nil {
		var err error
		if sw, err = c.Software.load(); err != nil {
			return nil, err
		}
	}
	tgt.Software = sw
	return tgt, nil
}

// roles reads an SSA's software_roles: an array (UK) or a space-separated string (CDR).
func roles(v any) []string {
	switch r := v.(type) {
	case string:
		return strings.Fields(r)
	case []any:
		var out []string
		for _, x := range r {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func orTrue(b *bool) bool { return b == nil || *b }

func (s *Software) load() (*target.Software, error) { return s.loadAt(time.Now()) }

// loadAt loads the software's files and checks them at now (see checkFiles).
func (s *Software) loadAt(now time.Time) (*target.Software, error) {
	cert, err := tls.LoadX509KeyPair(s.TransportCert, s.TransportKey)
	if err != nil {
		return nil, fmt.Errorf("software.transport_cert/transport_key: %w", err)
	}
	if err := checkTransport(cert, now); err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(s.SigningKey)
	if err != nil {
		return nil, fmt.Errorf("software.signing_key: %w", err)
	}
	signer, err := pki.ParseKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("software.signing_key: %w", err)
	}
	if err := checkSigningKey(signer, s.SigningAlg); err != nil {
		return nil, err
	}
	key, err := joseutil.NewKey(signer)
	if err != nil {
		return nil, fmt.Errorf("software.signing_key: %w", err)
	}
	key.KeyID = s.SigningKID
	if s.SigningAlg != "" && string(key.Alg) != s.SigningAlg {
		return nil, fmt.Errorf("software.signing_alg: %s does not fit the signing key, which signs %s", s.SigningAlg, key.Alg)
	}
	ssa := s.SSA
	if s.SSAFile != "" {
		b, err := os.ReadFile(s.SSAFile)
		if err != nil {
			return nil, fmt.Errorf("software.ssa_file: %w", err)
		}
		ssa = strings.TrimSpace(string(b))
	}
	_, ssaClaims, err := joseutil.Decode(ssa)
	if err != nil {
		return nil, fmt.Errorf("software.ssa: %w", err)
	}
	return &target.Software{ID: s.SoftwareID, OrgID: s.OrgID, SigningKey: key, Transport: &cert, RedirectURIs: s.RedirectURIs, SSA: ssa, Roles: roles(ssaClaims["software_roles"])}, nil
}
