// Package config reads the YAML that points dcrconform at an external bank, and turns it into a target.
// Every error names the field at fault. This file holds the types; load.go reads them, validate.go checks
// them, build.go turns them into a target, container.go and files.go cover their blocks.
package config

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/dcrconform/dcrconform/harness/gate"
	"github.com/dcrconform/dcrconform/harness/profiles"
	"github.com/dcrconform/dcrconform/harness/target"
)

// Config is the file given to `dcrconform run --config`.
type Config struct {
	Profile   string     `json:"profile"`
	Target    Target     `json:"target"`
	Software  *Software  `json:"software,omitempty"`
	Directory *Directory `json:"directory,omitempty"`
	Overrides *Overrides `json:"overrides,omitempty"` // the profile's credentials and knobs (see Overrides)
	Container *Container `json:"container,omitempty"` // run the bank from an image (see container.go)
	// ExpectedFailures are the specs the bank knows it fails: the run gates on everything else (harness/gate).
	ExpectedFailures []gate.ExpectedFailure `json:"expected_failures,omitempty"`

	// What Load read and checked of the files the config names, for BuildTarget to use rather than read
	// them again.
	caCerts  []*x509.Certificate
	software *target.Software
}

// Target says where the bank is and what it implements.
type Target struct {
	Name                 string  `json:"name"`
	DiscoveryURL         string  `json:"discovery_url"`
	RegistrationEndpoint string  `json:"registration_endpoint"`
	TokenEndpoint        string  `json:"token_endpoint"`
	Issuer               string  `json:"issuer"`
	Audience             string  `json:"audience"`
	AssertionAudience    string  `json:"assertion_audience"` // aud of client assertions: both (default), token_endpoint or issuer
	Version              string  `json:"version"`            // UK OBIE DCR version: 3.1, 3.2, 3.3 (default) or 3.4
	FAPI                 bool    `json:"fapi"`               // the bank implements FAPI: certificate-bound tokens are required
	Scope                *string `json:"scope"`              // absent: the profile's default; "": no scope sent
	CABundle             string  `json:"ca_bundle"`
	Timeout              string  `json:"timeout"` // a Go duration such as "10s"
	// Concurrency is how many requests a concurrent spec releases at once (default 8, at most
	// MaxConcurrency); a bank that must not be loaded leaves the specs out: --labels '!concurrent'.
	Concurrency int `json:"concurrency"`
	// AllowHTTP opts in to plain http, for a local test server: otherwise every URL must be https
	// (RFC 7591 and RFC 7592 section 5 require TLS).
	AllowHTTP bool     `json:"allow_http"`
	Supports  Supports `json:"supports"`
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

// Directory names the mock directory that mints software identities and SSAs; the bank must trust its
// key set URLs and CA. Either the harness starts one for the run (listen, base_url, state), or the run
// uses a running one (`dcrconform directory`) through its admin API (url, admin_token, ca_bundle): the run
// takes a lease there, and its identities are removed when it ends or, if it is killed, when the lease
// (run_ttl) expires.
type Directory struct {
	Listen  string `json:"listen"`
	BaseURL string `json:"base_url"`
	State   string `json:"state"`

	URL        string `json:"url"`         // base URL of a running directory, as the harness reaches it
	AdminToken string `json:"admin_token"` // its admin token; default $DCRCONFORM_ADMIN_TOKEN (keep it out of files)
	CABundle   string `json:"ca_bundle"`   // trust for url's server certificate (default: system roots)
	RunTTL     string `json:"run_ttl"`     // the run's lease, renewed while it runs (default 30m, at most 24h)
}

// AdminTokenEnv names the environment variable holding a running directory's admin token.
const AdminTokenEnv = "DCRCONFORM_ADMIN_TOKEN"

// Remote says the run uses a running directory (directory.url).
func (d *Directory) Remote() bool { return d != nil && d.URL != "" }

// Token is directory.admin_token, or $DCRCONFORM_ADMIN_TOKEN when the config has none.
func (d *Directory) Token() string {
	if d.AdminToken != "" {
		return d.AdminToken
	}
	return os.Getenv(AdminTokenEnv)
}

// RunTTLDuration is directory.run_ttl parsed; zero when absent. Validate has checked it.
func (d *Directory) RunTTLDuration() time.Duration {
	ttl, _ := time.ParseDuration(d.RunTTL)
	return ttl
}

// TimeoutDuration is target.timeout parsed; zero when absent. Validate has checked it.
func (t *Target) TimeoutDuration() time.Duration {
	d, _ := time.ParseDuration(t.Timeout)
	return d
}

// Profiles known to this version: the registry's (harness/profiles).
var Profiles = profiles.Names()

// AssertionAudiences are the values of target.assertion_audience: what a client assertion's aud names.
var AssertionAudiences = []string{target.AssertionAudienceBoth, target.AssertionAudienceToken, target.AssertionAudienceIssuer}

// UKVersions are the UK OBIE DCR versions target.version selects: the registry's.
var UKVersions = func() []string { p, _ := profiles.Lookup("uk"); return p.Versions }()

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
