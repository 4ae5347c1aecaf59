package target

import (
	"fmt"
	"net/url"
	"strings"
)

// Well-known paths of discovery documents.
const (
	oidcWellKnown  = "/.well-known/openid-configuration"
	oauthWellKnown = "/.well-known/oauth-authorization-server"
)

// IssuerOf is the issuer a discovery URL is built from: OpenID Connect Discovery section 4 appends
// /.well-known/openid-configuration to the issuer; RFC 8414 section 3.1 inserts its well-known path
// between the issuer's host and path. ok is false for a URL of neither form.
func IssuerOf(discoveryURL string) (issuer string, ok bool) {
	u, err := url.Parse(discoveryURL)
	if err != nil || u.Host == "" {
		return "", false
	}
	base := u.Scheme + "://" + u.Host
	switch {
	case strings.HasSuffix(u.Path, oidcWellKnown):
		return base + strings.TrimSuffix(u.Path, oidcWellKnown), true
	case u.Path == oauthWellKnown || strings.HasPrefix(u.Path, oauthWellKnown+"/"):
		return base + strings.TrimPrefix(u.Path, oauthWellKnown), true
	case strings.HasPrefix(u.Path, oidcWellKnown+"/"): // RFC 8414 section 5's form of the OIDC path
		return base + strings.TrimPrefix(u.Path, oidcWellKnown), true
	}
	return "", false
}

// sameIssuer compares issuers as the discovery URL is built from them: a terminating / is removed
// before the well-known path is appended (OpenID Connect Discovery section 4.1).
func sameIssuer(a, b string) bool { return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/") }

// checkIssuer fails a discovery document whose issuer is not the one its URL is built from (RFC 8414
// section 3.3, OpenID Connect Discovery section 4.3), or not target.issuer where the config states it.
// A document without an issuer is left to Discover, which names what is missing.
func (t *Target) checkIssuer(doc map[string]any) error {
	got, _ := doc["issuer"].(string)
	if got == "" {
		return nil
	}
	if t.Issuer != "" {
		if !sameIssuer(got, t.Issuer) {
			return fmt.Errorf("target: discovery %s: issuer %q is not %q, the issuer the config states (target.issuer); RFC 8414 section 3.3 and OpenID Connect Discovery section 4.3 require the document's issuer to be the one the client expects", t.DiscoveryURL, got, t.Issuer)
		}
		return nil
	}
	if want, ok := IssuerOf(t.DiscoveryURL); ok {
		if !sameIssuer(got, want) {
			return fmt.Errorf("target: discovery %s: issuer %q is not %q, the issuer the discovery URL is built from; RFC 8414 section 3.3 and OpenID Connect Discovery section 4.3 require them to be identical (target.issuer states another where the bank's URL is not built from its issuer)", t.DiscoveryURL, got, want)
		}
		return nil
	}
	// A discovery URL of no well-known form says no issuer: the origin at least must be the bank's.
	if o, _ := url.Parse(got); o == nil || !strings.HasPrefix(t.DiscoveryURL, o.Scheme+"://"+o.Host+"/") {
		return fmt.Errorf("target: discovery %s: issuer %q is at another origin than the discovery URL, whose path is of no well-known form (RFC 8414 section 3.1); state the issuer in target.issuer", t.DiscoveryURL, got)
	}
	return nil
}
