// Package target describes the DCR server under test: its endpoints, how to reach it, the software
// identities the suites register with, and where SSAs come from.
package target

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/ssa"
	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Software is one registered software identity: its keys, transport certificate and SSA.
type Software struct {
	ID           string
	OrgID        string
	SigningKey   joseutil.Key
	Transport    *tls.Certificate
	RedirectURIs []string // the SSA's software_redirect_uris
	Roles        []string
	SSA          string // a fixed SSA; empty when Directory mints them
}

// Directory mints software identities and SSAs. The mock directory implements it; a target whose SSA
// is given has none, and the specs that need a directory are skipped with that reason.
type Directory interface {
	NewSoftware(ctx context.Context, opts SoftwareOptions) (*Software, error)
	IssueSSA(ctx context.Context, sw *Software, opts ssa.Options) (string, error)
	SetSoftwareStatus(ctx context.Context, sw *Software, status string) error
	SetOrganisationStatus(ctx context.Context, sw *Software, status string) error
}

// SoftwareOptions shape a new software identity.
type SoftwareOptions struct {
	KeyType string // "RSA" (PS256, default) or "EC" (ES256)
	// OwnKeys asks for key material no other identity of the run has: for a spec's second software
	// ("another software's key") and for software the directory revokes. Without it a directory may give RSA identities key pairs shared from a
	// small pool; each identity still has its own software ID, organisation, certificates and SSA.
	OwnKeys bool
	// SiblingOf, when set, makes the software another one of that software's organisation (the
	// directory's organisations have many software); otherwise it has an organisation of its own.
	SiblingOf *Software
}

// Capabilities are the optional operations the bank implements.
type Capabilities struct {
	Read, Update, Delete bool
}

// ProfileSettings are what a target says about one DCR profile it serves: where its registration
// endpoint is, the credentials that profile needs, and overrides of the profile's defaults. Zero
// values keep the profile's defaults.
type ProfileSettings struct {
	Registration       string  // registration endpoint of this profile (default: Target.Registration)
	Scope              *string // scope registered and requested at the token endpoint; "" sends none (nil: the profile's)
	BasicUser          string  // HTTP Basic credentials of registration (Identity Server's admin)
	BasicPassword      string
	InitialAccessToken string // RFC 7591 initial access token, sent as a Bearer token at registration

	// Overrides of the profile's knobs (see suites/framework.Profile).
	ContentType      string              // media type of registration bodies
	RegistrationAuth string              // mtls, basic, initial-access-token or none
	ManagementAuth   string              // client-token or registration-token
	ManagementScope  string              // scope a management access token must carry
	MTLS             *bool               // whether requests carry the transport certificate
	Errors           map[string][]string // fault -> error codes accepted for it
	Skip             []string            // scenario IDs that do not apply to this target
	SkipReasons      map[string]string   // why, by scenario ID (optional), shown as the skip reason

	// The baseline registration: grant types and token endpoint auth method (default: the profile's).
	GrantTypes              []string
	TokenEndpointAuthMethod string

	// Specs replaces, per scenario ID, the statuses and error codes a spec accepts as a refusal.
	Specs map[string]SpecOverride
}

// SpecOverride is what one spec accepts as a refusal instead of what it asks by default.
type SpecOverride struct {
	Statuses []int    // accepted HTTP statuses
	Errors   []string // accepted error codes
}

// Values of Target.AssertionAudience.
const (
	AssertionAudienceBoth   = "both"           // [token endpoint, issuer]: RFC 7519 4.1.3 has a server accept an array naming it
	AssertionAudienceToken  = "token_endpoint" // the token endpoint URL (RFC 7523 section 3's MAY)
	AssertionAudienceIssuer = "issuer"         // the issuer alone, as a string (FAPI 2 and draft-ietf-oauth-rfc7523bis)
)

// The number of requests a concurrent spec releases at once: the default, and the most a configuration
// may ask for.
const (
	DefaultConcurrency = 8
	MaxConcurrency     = 64
)

// Target is a DCR server under test.
type Target struct {
	Name         string
	Profile      string // the profile a configured target speaks; the embedded default serves them all
	Version      string // UK OBIE DCR version the bank implements: 3.1, 3.2, 3.3 or 3.4 ("" is 3.3)
	Profiles     map[string]*ProfileSettings
	DiscoveryURL string
	Registration string // registration endpoint URL
	Token        string // token endpoint URL
	Issuer       string
	Audience     string // aud of registration request JWTs; defaults to Issuer
	// AssertionAudience is what a private_key_jwt client assertion's aud names (RFC 7523 section 3 leaves
	// it to the server): AssertionAudienceBoth ("" too), AssertionAudienceToken or AssertionAudienceIssuer.
	AssertionAudience string
	Scope             string // scope of profiles that have none of their own (programmatic targets); "" for none
	FAPI              bool   // the bank implements FAPI, which requires what is optional elsewhere (certificate-bound tokens)
	RootCAs           *x509.CertPool
	Timeout           time.Duration
	Concurrency       int // requests a concurrent spec releases at once (target.concurrency); 0: DefaultConcurrency
	// AllowHTTP lets requests go over plain http (target.allow_http: a local test server); otherwise
	// only https is used (see client.Policy).
	AllowHTTP bool
	Software  *Software // used when Directory is nil, and as the default identity
	Other     *Software // a second software, for cross-software negatives; optional
	Directory Directory
	Supports  Capabilities

	// ExpireTokens makes every access token of a client expire now. Only a target that lets the harness
	// control its clock has it (the embedded default); specs that need it are skipped otherwise.
	ExpireTokens func(clientID string) error

	docMu sync.Mutex
	doc   map[string]any // the discovery document, once fetched

	policyOnce sync.Once
	policy     *client.Policy
}

// Policy is where the harness may send requests for this target: https (http where AllowHTTP) to the
// origins of the URLs the target was configured with and of the endpoints its discovery document
// names, and to loopback, link-local or private addresses only where those configured URLs are.
func (t *Target) Policy() *client.Policy {
	t.policyOnce.Do(func() {
		own := []string{t.DiscoveryURL}
		if t.DiscoveryURL == "" {
			own = append(own, t.Registration, t.Token)
		}
		t.policy = client.NewPolicy(context.Background(), t.AllowHTTP, own...)
		for _, u := range []string{t.Registration, t.Token, t.Issuer, t.Audience} {
			t.policy.Allow(u)
		}
		for _, s := range t.Profiles {
			if s != nil {
				t.policy.Allow(s.Registration)
			}
		}
	})
	return t.policy
}

// allowDocumentOrigins adds the origins of the endpoints a discovery document names, its
// mtls_endpoint_aliases (RFC 8705 section 5) included, to the policy.
func (t *Target) allowDocumentOrigins(doc map[string]any) {
	p := t.Policy()
	for k, v := range doc {
		if s, ok := v.(string); ok && strings.HasSuffix(k, "_endpoint") {
			p.Allow(s)
		}
	}
	aliases, _ := doc["mtls_endpoint_aliases"].(map[string]any)
	for _, v := range aliases {
		if s, ok := v.(string); ok {
			p.Allow(s)
		}
	}
}

// DiscoveryDocument returns the discovery document, fetched once per target; nil without a discovery URL.
func (t *Target) DiscoveryDocument(ctx context.Context, c *client.Client) (map[string]any, error) {
	t.docMu.Lock()
	defer t.docMu.Unlock()
	if t.doc != nil || t.DiscoveryURL == "" {
		return t.doc, nil
	}
	doc, err := t.FetchDiscovery(ctx, c)
	if err != nil {
		return nil, err
	}
	t.doc = doc
	return doc, nil
}

// Settings returns what the target says about a profile; an empty value when it says nothing.
func (t *Target) Settings(profile string) ProfileSettings {
	if s := t.Profiles[profile]; s != nil {
		return *s
	}
	return ProfileSettings{}
}

// Serves reports whether the target speaks the profile: it is the target's profile or has settings.
func (t *Target) Serves(profile string) bool {
	return t.Profile == profile || t.Profiles[profile] != nil
}

// Client returns an HTTP client configured for the target, sending only where its Policy allows.
func (t *Target) Client() *client.Client {
	return client.New(client.Options{Timeout: t.Timeout, RootCAs: t.RootCAs, Policy: t.Policy()})
}

// DiscoveryError is a discovery document that could not be fetched or lacks an endpoint: a failure of
// the target (the run reports it), not of the harness's configuration.
type DiscoveryError struct {
	URL       string
	Err       error
	Exchanges []transcript.Exchange // the fetch, when one was sent
}

func (e *DiscoveryError) Error() string { return e.Err.Error() }
func (e *DiscoveryError) Unwrap() error { return e.Err }

// Discover fills Registration, Token and Issuer from the discovery document where they are empty.
func (t *Target) Discover(ctx context.Context) error {
	if t.DiscoveryURL == "" {
		if t.Registration == "" || t.Token == "" {
			return errors.New("target: without a discovery URL, both the registration and token endpoints must be given")
		}
	} else {
		doc, err := t.DiscoveryDocument(ctx, t.Client())
		if err != nil {
			return err
		}
		fill := func(field *string, key string) error {
			if *field != "" {
				return nil
			}
			s, _ := doc[key].(string)
			if s == "" {
				return &DiscoveryError{URL: t.DiscoveryURL, Err: fmt.Errorf("target: discovery document %s has no %s", t.DiscoveryURL, key)}
			}
			if key != "issuer" {
				if err := t.Policy().Check(s); err != nil {
					return &DiscoveryError{URL: t.DiscoveryURL, Err: fmt.Errorf("target: discovery document %s: its %s: %w", t.DiscoveryURL, key, err)}
				}
			}
			*field = s
			return nil
		}
		for _, f := range []struct {
			field *string
			key   string
		}{{&t.Registration, "registration_endpoint"}, {&t.Token, "token_endpoint"}, {&t.Issuer, "issuer"}} {
			if err := fill(f.field, f.key); err != nil {
				return err
			}
		}
	}
	if t.Audience == "" {
		t.Audience = t.Issuer
	}
	if t.Audience == "" {
		t.Audience = strings.TrimSuffix(t.Token, "/token")
	}
	return nil
}

// FetchDiscovery GETs the discovery document and decodes it. Its error is a *DiscoveryError.
func (t *Target) FetchDiscovery(ctx context.Context, c *client.Client) (map[string]any, error) {
	var rec transcript.Recorder
	fail := func(err error) error {
		return &DiscoveryError{URL: t.DiscoveryURL, Err: err, Exchanges: rec.Exchanges()}
	}
	resp, err := c.Do(ctx, client.Request{Method: "GET", URL: t.DiscoveryURL, Header: http.Header{"Accept": {"application/json"}}}, &rec)
	if err != nil {
		return nil, fail(fmt.Errorf("target: discovery: %w", err))
	}
	if resp.Status != 200 {
		return nil, fail(fmt.Errorf("target: discovery %s: status %d: %s", t.DiscoveryURL, resp.Status, resp.Excerpt(200)))
	}
	doc, err := client.DecodeObject(resp.Body)
	if err != nil {
		return nil, fail(fmt.Errorf("target: discovery %s: %v: %s", t.DiscoveryURL, err, resp.Excerpt(200)))
	}
	if err := t.checkIssuer(doc); err != nil {
		return nil, fail(err)
	}
	t.allowDocumentOrigins(doc)
	return doc, nil
}
