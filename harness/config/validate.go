// Validation: every field checked, every error naming the field at fault.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/profiles"
	"github.com/dcrconform/dcrconform/harness/target"
)

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

// Validate checks every field and returns an error naming each one at fault.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if c.Profile == "" {
		c.Profile = "uk"
	}
	p, known := profiles.Lookup(c.Profile)
	if !known {
		bad("profile", "%q is not one of %s", c.Profile, strings.Join(Profiles, ", "))
	}
	c.Overrides.validate(bad)
	for i, e := range c.ExpectedFailures {
		if field, problem := e.Check(); field != "" {
			bad(fmt.Sprintf("expected_failures[%d].%s", i, field), "%s", strings.TrimPrefix(problem, "is "))
		}
	}
	t := &c.Target
	if t.AssertionAudience != "" && !contains(AssertionAudiences, t.AssertionAudience) {
		bad("target.assertion_audience", "%q is not one of %s", t.AssertionAudience, strings.Join(AssertionAudiences, ", "))
	}
	if t.Version != "" && known && len(p.Versions) == 0 {
		bad("target.version", "applies to the %s profile only, not %s", strings.Join(versioned(), ", "), c.Profile)
	} else if t.Version != "" && known && !contains(p.Versions, t.Version) {
		bad("target.version", "%q is not one of %s", t.Version, strings.Join(p.Versions, ", "))
	}
	if c.Container == nil && t.DiscoveryURL == "" && (t.RegistrationEndpoint == "" || t.TokenEndpoint == "") {
		bad("target.discovery_url", "required unless both target.registration_endpoint and target.token_endpoint are given")
	}
	if c.Container == nil && t.DiscoveryURL == "" && t.Issuer == "" && t.Audience == "" && p.Body == profiles.BodyJWT {
		bad("target.issuer", "required without target.discovery_url: it is the aud of signed registration requests (or give target.audience)")
	}
	for field, v := range map[string]string{"target.discovery_url": t.DiscoveryURL, "target.registration_endpoint": t.RegistrationEndpoint, "target.token_endpoint": t.TokenEndpoint} {
		if v != "" && c.Container == nil { // a container block checks its own (paths)
			if err := checkURL(v); err != nil {
				bad(field, "%v", err)
			} else if strings.HasPrefix(v, "http:") && !t.AllowHTTP {
				bad(field, "%q is plain http: RFC 7591 and RFC 7592 section 5 require TLS (set target.allow_http: true for a local test server)", v)
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
	if t.Concurrency < 0 || t.Concurrency > target.MaxConcurrency || t.Concurrency == 1 {
		bad("target.concurrency", "%d is outside 2 to %d (requests a concurrent spec sends at once; leave it out for %d, or run with --labels '!concurrent' to send none)",
			t.Concurrency, target.MaxConcurrency, target.DefaultConcurrency)
	}
	switch {
	case c.Container != nil:
		errs = append(errs, c.validateContainer()...)
	case c.Software == nil && c.Directory == nil && known && p.SSA == "":
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
	case c.Directory.Remote():
		d := c.Directory
		if err := checkURL(d.URL); err != nil {
			bad("directory.url", "%v", err)
		}
		if d.Listen != "" || d.BaseURL != "" || d.State != "" {
			bad("directory.url", "a running directory has its own listen address, base URL and state: give url, or listen/base_url/state")
		}
		if d.RunTTL != "" {
			if ttl, err := time.ParseDuration(d.RunTTL); err != nil || ttl < time.Second || ttl > 24*time.Hour {
				bad("directory.run_ttl", "%q is not a duration between 1s and 24h", d.RunTTL)
			}
		}
	case c.Directory != nil:
		if d := c.Directory; d.AdminToken != "" || d.CABundle != "" || d.RunTTL != "" {
			bad("directory", "admin_token, ca_bundle and run_ttl go with url (a running directory)")
		}
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

// versioned lists the profiles whose version target.version chooses.
func versioned() []string {
	var out []string
	for _, p := range profiles.All() {
		if len(p.Versions) > 0 {
			out = append(out, p.Name)
		}
	}
	return out
}
