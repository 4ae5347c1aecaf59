// Building: a valid config turned into the target the suites run against, with every file it names loaded.
package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/harness/transcript"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// settings is what the target says about its profile.
func (c *Config) settings() *target.ProfileSettings {
	s := &target.ProfileSettings{Registration: c.Target.RegistrationEndpoint, Scope: c.Target.Scope}
	if o := c.Overrides; o != nil {
		s.BasicUser, s.BasicPassword, s.InitialAccessToken = o.BasicUser, o.BasicPassword, o.InitialAccessToken
		s.ContentType, s.RegistrationAuth, s.ManagementAuth, s.ManagementScope = o.ContentType, o.RegistrationAuth, o.ManagementAuth, o.ManagementScope
		s.MTLS, s.Errors, s.Skip = o.MTLS, o.Errors, o.Skip.IDs()
		transcript.SetSecretHeaders(o.SecretHeaders...) // masked from here on, in every output
		transcript.AddSecret(o.InitialAccessToken)      // and these by value, wherever a bank echoes them
		transcript.AddBasicCredentials(o.BasicUser, o.BasicPassword)
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

// BuildTarget turns the config into a target, loading every file it names. When the config asks for a
// mock directory, dir is the in-process directory that mints SSAs (the caller serves it).
func (c *Config) BuildTarget(dir *mockdirectory.Directory) (*target.Target, error) {
	if dir != nil {
		return c.BuildTargetWith(target.InProcessDirectory(dir))
	}
	return c.BuildTargetWith(nil)
}

// BuildTargetWith is BuildTarget with dir, when not nil, minting the software identities and SSAs (a run
// on a running directory: see target.StartRemoteRun).
func (c *Config) BuildTargetWith(dir target.Directory) (*target.Target, error) {
	t := &c.Target
	tgt := &target.Target{
		Name: t.Name, Profile: c.Profile, DiscoveryURL: t.DiscoveryURL, Registration: t.RegistrationEndpoint,
		Token: t.TokenEndpoint, Issuer: t.Issuer, Audience: t.Audience, AssertionAudience: t.AssertionAudience, FAPI: t.FAPI, Timeout: t.TimeoutDuration(), Concurrency: t.Concurrency, Version: t.Version,
		AllowHTTP: t.AllowHTTP,
		Supports:  target.Capabilities{Read: orTrue(t.Supports.Read), Update: orTrue(t.Supports.Update), Delete: orTrue(t.Supports.Delete)},
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
		tgt.Directory = dir
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
	transcript.AddPrivateKeyPEM(keyPEM)
	if b, err := os.ReadFile(s.TransportKey); err == nil {
		transcript.AddPrivateKeyPEM(b)
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
