package rfc7591

import (
	"net"
	"net/http"
	"net/url"
	"slices"

	"github.com/dcrconform/dcrconform/suites/framework"
)

// The RFC 7591 rules on what a client registers (sections 2, 3.2.1 and 5) that the registration
// specs of specs.go do not cover.
var _ = framework.Describe("RFC 7591/7592: client metadata", func() {
	framework.ConformanceIt(positive("RFC-REG-004", "register", "RFC7591-2-UNKNOWN",
		"a registration carrying a client metadata member the server does not understand (RFC 7591's own example_extension_parameter) is accepted: the member is ignored, not refused",
		"2xx with a client_id"),
		func(f *framework.Framework) {
			sw := f.Software()
			f.RegisterAccepted(sw, f.BaselineClaims(sw).With("example_extension_parameter", "example_value"))
		})

	framework.ConformanceIt(positive("RFC-REG-005", "register", "RFC7591-3.2.1-SECRET, RFC7591-5-SECRET-INSTANCES",
		"two registrations of the same metadata are issued different client_secrets (a secret is unique to its client_id; instances sharing a client_id should not share a secret either)",
		"two distinct client_secrets"),
		func(f *framework.Framework) {
			sw := f.Software()
			claims := f.BaselineClaims(sw)
			first := f.Register(sw, claims)
			second := f.Register(sw, claims)
			if first.ClientSecret == "" || second.ClientSecret == "" {
				f.Skipf("the registrations were issued no client_secret (token_endpoint_auth_method %s)", registeredAuthMethod(first))
			}
			if first.ClientSecret != second.ClientSecret {
				return
			}
			c := f.Verdict()
			if first.ClientID != second.ClientID {
				c.AddFor([]string{"RFC7591-3.2.1-SECRET"}, "a client_secret of its own for each client_id",
					"client_ids %s and %s were issued the same client_secret", first.ClientID, second.ClientID)
			} else {
				c.AddFor([]string{"RFC7591-5-SECRET-INSTANCES"}, "a client_secret of its own for each instance of the client",
					"both registrations were issued client_id %s with the same client_secret", first.ClientID)
			}
			c.Done()
		})

	framework.ConformanceIt(negative("RFC-REG-N05", "register", "RFC7591-5-REDIRECT-REQUIRED, RFC7591-3.2.2-REDIRECT",
		"an authorization_code client that registers no redirect URI is refused, or registered without the redirect-based grant",
		"400 invalid_redirect_uri|invalid_client_metadata, or 2xx whose grant_types hold neither authorization_code nor implicit"),
		func(f *framework.Framework) {
			sw := f.Software()
			claims := f.BaselineClaims(sw).Without("redirect_uris").
				With("grant_types", []string{"authorization_code"}).With("response_types", []string{"code"})
			resp, err := f.TryRegister(sw, claims)
			f.ExpectNoTransportError(err)
			if resp.Status/100 != 2 {
				f.ExpectError(resp, err, []int{http.StatusBadRequest}, fragmentCodes(f)...)
				return
			}
			if resp.Status != http.StatusCreated { // the status is RFC-REG-001's to judge
				f.Note("the registration was answered %d, not 201 (judged by RFC-REG-001)", resp.Status)
			}
			// RFC 7591 section 2 lets the server replace what it will not register: a client registered
			// without a redirect-based grant needs no redirect URI. Omitted, grant_types means
			// authorization_code (section 2).
			grants := []string{"authorization_code"}
			md := f.ExpectJSON(resp)
			if list, ok := md["grant_types"].([]any); ok {
				grants = grants[:0]
				for _, g := range list {
					s, _ := g.(string)
					grants = append(grants, s)
				}
			}
			if slices.Contains(grants, "authorization_code") || slices.Contains(grants, "implicit") {
				f.Failf("the registration refused, or registered without a redirect-based grant: the client registered no redirect URI (RFC7591-5-REDIRECT-REQUIRED)",
					"%d with grant_types %v", resp.Status, grants)
			}
		})

	framework.ConformanceIt(negative("RFC-REG-N06", "register", "RFC7591-5-REDIRECT-FORM, RFC7591-3.2.2-REDIRECT",
		"a plain http redirect URI on a remote host (neither TLS nor the local machine) is refused, or not registered",
		"400 invalid_redirect_uri|invalid_client_metadata, or 2xx whose redirect_uris do not hold it"),
		func(f *framework.Framework) {
			sw := f.Software()
			if len(sw.RedirectURIs) == 0 {
				f.Skipf("the software has no redirect URI to make a plain http one from")
			}
			u, err := url.Parse(sw.RedirectURIs[0])
			if err != nil || u.Scheme != "https" || isLocal(u.Hostname()) {
				f.Skipf("the software's redirect URI %q is not an https URI on a remote host to make a plain http one from", sw.RedirectURIs[0])
			}
			u.Scheme = "http"
			insecure := u.String()
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw).With("redirect_uris", []string{insecure}))
			f.ExpectNoTransportError(err)
			if resp.Status/100 != 2 {
				f.ExpectError(resp, err, []int{http.StatusBadRequest}, fragmentCodes(f)...)
				return
			}
			if resp.Status != http.StatusCreated {
				f.Note("the registration was answered %d, not 201 (judged by RFC-REG-001)", resp.Status)
			}
			// Accepted: RFC 7591 section 2 lets the server replace a value, but not register this one.
			if list, _ := f.ExpectJSON(resp)["redirect_uris"].([]any); slices.Contains(list, any(insecure)) {
				f.Failf("the registration refused, or answered without "+insecure+" (RFC7591-5-REDIRECT-FORM: a remote site over TLS, http on the local machine, or an application URL)",
					"%d with redirect_uris %v", resp.Status, list)
			}
		})
})

// isLocal reports whether host is the local machine (RFC 7591 section 5 allows http there).
func isLocal(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}
