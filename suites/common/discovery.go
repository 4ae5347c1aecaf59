package common

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// DiscoverySpec is a spec of the discovery document (OpenID Connect Discovery sections 3 and 4, RFC 8414
// sections 2 and 3, FAPI 1.0's rules on it) or of the endpoints' TLS (FAPI 1.0 Part 2 section 8.5),
// which the UK and CDR profiles share: each declares it as <PROFILE>-DISC-<N> (DeclareDiscoverySpecs).
type DiscoverySpec struct {
	N, Requirement, Title, Expect string
	Negative                      bool
	Body                          func(f *framework.Framework)
}

// DeclareDiscoverySpecs declares every DiscoverySpec for the profile, inside its framework.Describe.
func DeclareDiscoverySpecs(profile, prefix string) {
	for _, s := range DiscoverySpecs {
		declare := Positive
		if s.Negative {
			declare = Negative
		}
		framework.ConformanceIt(declare(profile, prefix+"-DISC-"+s.N, "discovery", s.Requirement, s.Title, s.Expect), s.Body)
	}
}

// DiscoverySpecs are the shared specs, each rule a spec of its own.
var DiscoverySpecs = []DiscoverySpec{
	{N: "002", Requirement: "OIDD-4.2, OIDD-4-JSON, RFC8414-3.2, RFC8414-3-HTTPS, FAPI1-BASE-5.2.2-22",
		Title:  "the discovery document is a JSON object served at an https URL, 200, with Content-Type application/json",
		Expect: "200, application/json, a JSON object",
		Body: func(f *framework.Framework) {
			if f.Target.DiscoveryURL == "" {
				f.Skipf("no discovery URL configured; endpoints were given explicitly")
			}
			if !strings.HasPrefix(f.Target.DiscoveryURL, "https://") {
				f.Failf("the discovery document at an https URL (RFC8414-3-HTTPS)", "%s", f.Target.DiscoveryURL)
			}
			resp, err := f.Do(client.Request{Method: "GET", URL: f.Target.DiscoveryURL})
			f.ExpectStatus(resp, err, 200)
			f.ExpectJSON(resp)
		}},
	{N: "003", Requirement: "OIDD-4.2-EMPTY, RFC8414-3.2-EMPTY",
		Title:  "the discovery document lists no member with zero elements",
		Expect: "no member is an empty array",
		Body: func(f *framework.Framework) {
			resp, doc := DiscoveryDocument(f)
			c := f.Verdict().On(resp)
			for _, key := range sortedKeys(doc) {
				if list, ok := doc[key].([]any); ok && len(list) == 0 {
					c.Add("a member with zero elements omitted from the document", "%s: []", key)
				}
			}
			c.Done()
		}},
	{N: "004", Requirement: "RFC8414-2-SIGNING-ALGS, RFC8414-2-SIGNING-ALGS-NONE, OIDD-3-TOKEN-AUTH-NONE",
		Title:  "where discovery lists private_key_jwt or client_secret_jwt, it lists their signing algs, none not among them",
		Expect: "token_endpoint_auth_signing_alg_values_supported present, without none",
		Body: func(f *framework.Framework) {
			resp, doc := DiscoveryDocument(f)
			methods, _ := doc["token_endpoint_auth_methods_supported"].([]any)
			if !slices.Contains(methods, any("private_key_jwt")) && !slices.Contains(methods, any("client_secret_jwt")) {
				f.Skipf("discovery lists neither private_key_jwt nor client_secret_jwt (token_endpoint_auth_methods_supported %v)", methods)
			}
			c := f.Verdict().On(resp)
			algs, present := doc["token_endpoint_auth_signing_alg_values_supported"]
			list, _ := algs.([]any)
			switch {
			case !present:
				c.AddFor([]string{"RFC8414-2-SIGNING-ALGS"}, "token_endpoint_auth_signing_alg_values_supported, as token_endpoint_auth_methods_supported lists a JWT method",
					"absent; token_endpoint_auth_methods_supported %v", methods)
			case slices.Contains(list, any("none")):
				c.AddFor([]string{"RFC8414-2-SIGNING-ALGS-NONE", "OIDD-3-TOKEN-AUTH-NONE"}, "signing algs without none", "%v", algs)
			}
			c.Done()
		}},
	{N: "005", Requirement: "RFC8414-2-ISSUER, RFC8414-2-TOKEN-ENDPOINT, OIDD-3-AUTHORIZATION-ENDPOINT, RFC8414-2-AUTHORIZATION-ENDPOINT, OIDD-3-ENDPOINT-HTTPS, OIDD-3-REGISTRATION-HTTPS, OIDD-3-REGISTRATION-ENDPOINT, FAPI1-BASE-7.1-HTTPS, OIDD-3-JWKS-URI, RFC8414-2-JWKS-URI, OIDD-3-RESPONSE-TYPES, RFC8414-2-RESPONSE-TYPES, OIDD-3-SUBJECT-TYPES, OIDD-3-ID-TOKEN-ALGS",
		Title:  "discovery lists the members an OpenID Provider must: authorization_endpoint, token_endpoint, jwks_uri, response_types_supported, subject_types_supported, id_token_signing_alg_values_supported; its issuer and endpoints are https URLs",
		Expect: "each present (the lists not empty), every endpoint https",
		Body: func(f *framework.Framework) {
			resp, doc := DiscoveryDocument(f)
			c := f.Verdict().On(resp)
			for _, m := range []struct {
				key      string
				required bool
				ids      []string
			}{
				{"authorization_endpoint", true, []string{"OIDD-3-AUTHORIZATION-ENDPOINT", "RFC8414-2-AUTHORIZATION-ENDPOINT", "OIDD-3-ENDPOINT-HTTPS", "FAPI1-BASE-7.1-HTTPS"}},
				{"jwks_uri", true, []string{"OIDD-3-JWKS-URI", "RFC8414-2-JWKS-URI", "FAPI1-BASE-7.1-HTTPS"}},
				{"token_endpoint", true, []string{"RFC8414-2-TOKEN-ENDPOINT", "OIDD-3-ENDPOINT-HTTPS", "FAPI1-BASE-7.1-HTTPS"}},
				{"registration_endpoint", false, []string{"OIDD-3-REGISTRATION-HTTPS", "FAPI1-BASE-7.1-HTTPS"}},
			} {
				u, _ := doc[m.key].(string)
				if (u != "" || m.required) && !strings.HasPrefix(u, "https://") {
					c.AddFor(m.ids, m.key+", an https URL", "%v", doc[m.key])
				}
			}
			if _, ok := doc["registration_endpoint"]; !ok {
				c.AddFor([]string{"OIDD-3-REGISTRATION-ENDPOINT"}, "registration_endpoint listed (RECOMMENDED)", "absent")
			}
			if iss, _ := doc["issuer"].(string); iss != "" {
				if u, err := url.Parse(iss); err != nil || u.Scheme != "https" || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(iss, "?#") {
					c.AddFor([]string{"RFC8414-2-ISSUER"}, "issuer, an https URL without query or fragment", "%q", iss)
				}
			}
			for _, m := range []struct {
				key string
				ids []string
			}{
				{"response_types_supported", []string{"OIDD-3-RESPONSE-TYPES", "RFC8414-2-RESPONSE-TYPES"}},
				{"subject_types_supported", []string{"OIDD-3-SUBJECT-TYPES"}},
				{"id_token_signing_alg_values_supported", []string{"OIDD-3-ID-TOKEN-ALGS"}},
			} {
				if list, _ := doc[m.key].([]any); len(list) == 0 {
					c.AddFor(m.ids, m.key+", a JSON array of the values the bank supports", "%v", doc[m.key])
				}
			}
			c.Done()
		}},
	{N: "006", Requirement: "OIDD-3-JWKS-PRIVATE, OIDD-3-JWKS-USE, RFC8414-2-JWKS-USE, OIDD-3-JWKS-X5C, OIDD-3-JWKS-SAME-KEY",
		Title:  "the key set at jwks_uri holds public keys only: use on each key of a mixed set, x5c matching its key, no key both signing and encrypting",
		Expect: "no private or symmetric key; use on every key of a mixed set; x5c's certificate of the bare key; one key, one use (NOT RECOMMENDED: a warning)",
		Body: func(f *framework.Framework) {
			_, doc := DiscoveryDocument(f)
			u, _ := doc["jwks_uri"].(string)
			if !strings.HasPrefix(u, "https://") {
				f.Skipf("discovery lists no https jwks_uri (%q; DISC-005 judges that)", u)
			}
			resp, err := f.Do(client.Request{Method: "GET", URL: u})
			f.SetupStatus("the key set at jwks_uri", resp, err, 200)
			set, err := resp.JSONObject()
			keys, _ := set["keys"].([]any)
			if err != nil || keys == nil {
				f.FailAt(resp, "a JWK Set: a JSON object with keys", "%v", resp.Excerpt(200))
			}
			c := f.Verdict().On(resp)
			judgeKeySet(c, keys)
			c.Done()
		}},
	{N: "007", Requirement: "FAPI1-ADV-8.6.1",
		Title:  "discovery lists RSA1_5 among no JWE algs (FAPI: neither clients nor servers use it)",
		Expect: "no *_encryption_alg_values_supported lists RSA1_5",
		Body: func(f *framework.Framework) {
			resp, doc := DiscoveryDocument(f)
			c := f.Verdict().On(resp)
			for _, key := range sortedKeys(doc) {
				if list, ok := doc[key].([]any); ok && strings.HasSuffix(key, "_encryption_alg_values_supported") && slices.Contains(list, any("RSA1_5")) {
					c.Add("JWE algs without RSA1_5", "%s: %v", key, list)
				}
			}
			c.Done()
		}},
	{N: "008", Requirement: "OIDD-3-SCOPES, RFC8414-2-SCOPES, OIDD-3-SCOPES-LISTED",
		Title:  "discovery lists scopes_supported (RECOMMENDED), openid among them",
		Expect: "scopes_supported lists openid; otherwise a warning",
		Body: func(f *framework.Framework) {
			resp, doc := DiscoveryDocument(f)
			c := f.Verdict().On(resp)
			scopes, present := doc["scopes_supported"].([]any)
			switch {
			case !present:
				c.AddFor([]string{"OIDD-3-SCOPES", "RFC8414-2-SCOPES"}, "scopes_supported listed", "absent")
			case !slices.Contains(scopes, any("openid")):
				c.AddFor([]string{"OIDD-3-SCOPES-LISTED"}, "openid among scopes_supported, the bank supporting it", "%v", scopes)
			}
			c.Done()
		}},
	{N: "009", Requirement: "OIDD-3-CORS",
		Title:  "the discovery document, jwks_uri and the token endpoint answer cross-origin requests (CORS), for browser-based clients",
		Expect: "Access-Control-Allow-Origin on each, the token endpoint's preflight answered 2xx; otherwise a warning",
		Body: func(f *framework.Framework) {
			_, doc := DiscoveryDocument(f)
			origin := "https://browser-client.example"
			c := f.Verdict()
			try := func(what string, req client.Request) {
				req.Header = http.Header{"Origin": {origin}}
				if req.Method == http.MethodOptions {
					req.Header.Set("Access-Control-Request-Method", http.MethodPost)
					req.Header.Set("Access-Control-Request-Headers", "content-type")
				}
				resp, err := f.Do(req)
				if err != nil {
					c.AddFor([]string{"OIDD-3-CORS"}, what+" answering a cross-origin request", "%v", err)
					return
				}
				allowed := resp.Header.Get("Access-Control-Allow-Origin")
				if allowed != "*" && allowed != origin || resp.Status >= 300 {
					c.On(resp).AddFor([]string{"OIDD-3-CORS"}, what+" allowing the origin (Access-Control-Allow-Origin)",
						"status %d, Access-Control-Allow-Origin %q", resp.Status, allowed)
				}
			}
			try("the discovery document", client.Request{Method: http.MethodGet, URL: f.Target.DiscoveryURL})
			if u, _ := doc["jwks_uri"].(string); strings.HasPrefix(u, "https://") { // DISC-005 judges another
				try("the key set at jwks_uri", client.Request{Method: http.MethodGet, URL: u})
			}
			if f.Target.Token != "" {
				try("the token endpoint's preflight", client.Request{Method: http.MethodOptions, URL: f.Target.Token})
			}
			c.Done()
		}},
	{N: "010", Requirement: "OIDD-4, OIDD-4.3, RFC8414-3, RFC8414-3.3",
		Title:  "each metadata document at a well-known location derived from the issuer names that issuer: the discovery URL's, and RFC 8414's oauth-authorization-server where the bank publishes one",
		Expect: "issuer identical to the one each location is built from",
		Body: func(f *framework.Framework) {
			resp, doc := DiscoveryDocument(f)
			iss, _ := doc["issuer"].(string)
			c := f.Verdict().On(resp)
			if want, ok := target.IssuerOf(f.Target.DiscoveryURL); ok && !sameIssuer(iss, want) {
				c.AddFor([]string{"OIDD-4.3", "RFC8414-3.3", "OIDD-4"}, "the issuer "+want+", from which the discovery URL is built", "%q", iss)
			}
			u, err := url.Parse(iss)
			if err != nil || u.Host == "" {
				c.Done()
				return
			}
			// RFC 8414 3: the well-known string inserted between the host and the issuer's path (a MAY here:
			// the profiles use openid-configuration, so a location not served is legal).
			loc := u.Scheme + "://" + u.Host + "/.well-known/oauth-authorization-server" + strings.TrimSuffix(u.Path, "/")
			if loc != f.Target.DiscoveryURL {
				if other, err := f.Do(client.Request{Method: http.MethodGet, URL: loc}); err == nil && other.Status == http.StatusOK {
					// A location the bank does not serve may still answer 200 (a catch-all serving its web
					// application): only a JSON object there is a metadata document to judge.
					md, err := other.JSONObject()
					got, _ := md["issuer"].(string)
					switch {
					case err != nil:
						f.Note("%s answers 200 with no JSON object (%v): taken as no metadata document there (the location is optional)", loc, err)
					case !sameIssuer(got, iss):
						c.On(other).AddFor([]string{"RFC8414-3.3"}, "the issuer "+iss+", into which the well-known string was inserted", "%q at %s", got, loc)
					}
				}
			}
			c.Done()
		}},
	{N: "N02", Negative: true, Requirement: "FAPI1-ADV-8.5",
		Title:  "a TLS 1.2 handshake offering only CBC cipher suites, which BCP 195 does not recommend, is refused",
		Expect: "TLS handshake refused",
		Body: func(f *framework.Framework) {
			addr, host := RegistrationAddr(f)
			conn, err := f.DialTLS(addr, &tls.Config{RootCAs: f.Target.RootCAs, ServerName: host,
				MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: legacySuites})
			if err == nil {
				suite := tls.CipherSuiteName(conn.ConnectionState().CipherSuite)
				_ = conn.Close()
				f.Failf("the handshake refused (only the cipher suites BCP 195 recommends are permitted)", "%s negotiated with %s", suite, addr)
			}
			if !framework.IsTLSRefusal(err) && !strings.Contains(err.Error(), "handshake failure") {
				f.Failf("the server refusing the handshake with a TLS alert", "%v", err)
			}
		}},
}

// sameIssuer compares issuers as well-known locations are built from them: a terminating / is removed
// first (OpenID Connect Discovery 4.1, RFC 8414 3.1).
func sameIssuer(a, b string) bool { return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/") }

// DiscoveryDocument GETs the discovery document as a set-up step (UK-DISC-001 and UK-DISC-002 judge how
// it is served) and returns the answer and its JSON object; it skips without a discovery URL.
func DiscoveryDocument(f *framework.Framework) (*client.Response, map[string]any) {
	if f.Target.DiscoveryURL == "" {
		f.Skipf("no discovery URL configured; endpoints were given explicitly")
	}
	resp, err := f.Do(client.Request{Method: "GET", URL: f.Target.DiscoveryURL})
	f.SetupStatus("discovery", resp, err, 200)
	doc, err := resp.JSONObject()
	if err != nil {
		f.FailAt(resp, "the discovery document, a JSON object", "%v", err)
	}
	return resp, doc
}

// sortedKeys are the document's member names, sorted, so that failures read the same on every run.
func sortedKeys(doc map[string]any) []string {
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// legacySuites are TLS 1.2 cipher suites BCP 195 (RFC 7525 and RFC 9325 section 4.2) does not recommend:
// CBC with HMAC-SHA1, with and without forward secrecy.
var legacySuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA,
}

// RegistrationAddr is the registration endpoint's host:port (443 by default) and host name.
func RegistrationAddr(f *framework.Framework) (addr, host string) {
	u, err := url.Parse(f.RegistrationEndpoint())
	if err != nil || u.Hostname() == "" {
		f.Failf("a registration endpoint URL", "%q", f.RegistrationEndpoint())
	}
	return Addr(u), u.Hostname()
}

// Addr is the host:port a TLS connection to u dials: its host, with port 443 where u names none.
func Addr(u *url.URL) string {
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return u.Host
}
