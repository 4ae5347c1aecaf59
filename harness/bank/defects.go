package bank

import (
	"fmt"
	"sort"
	"strings"
)

// Defect is one deliberately wrong behaviour the bank can be switched to, so that a suite can prove
// that the spec meant to catch it does.
type Defect struct {
	Name        string
	Description string
}

// defectCatalogue maps each defect name to what the bank then does wrong. Each name is tested by
// exactly one b.has call in the code.
var defectCatalogue = map[string]string{
	// Software statement (SSA).
	"skip-ssa-signature":            "does not verify the SSA signature at all (any key, any kid, any alg)",
	"accept-future-ssa":             "accepts an SSA whose iat is in the future",
	"accept-ssa-hs256":              "accepts an SSA with alg HS256 (algorithm confusion), without a real check",
	"server-error-on-empty-body":    "answers an empty registration body with 500 instead of 400",
	"server-error-on-malformed-jwt": "answers a registration body that is not a JWT with 500 instead of 400",
	"accept-unknown-token":          "serves management requests with any bearer token it never issued",
	"repeat-delete-204":             "answers DELETE of an already deleted client with 204, whatever the token",
	"put-reuse-stored-ssa":          "accepts a PUT without software_statement, reusing the stored one",
	"accept-ssa-unknown-kid":        "accepts an SSA whose kid is not in the directory key set, without verifying it",
	"accept-ssa-alg-none":           "accepts an unsigned SSA (alg none)",
	"accept-ssa-wrong-issuer":       "accepts an SSA whose iss is not the directory issuer",
	"accept-stale-ssa":              "accepts an OB Directory SSA however long ago it was issued (no time range: a 30-day-old SSA without exp is taken)",
	"accept-expired-ssa":            "accepts an SSA whose exp has passed",
	"accept-ssa-missing-claims":     "accepts an SSA that lacks required claims (software_id, org_id, software_jwks_endpoint, ...)",
	"accept-revoked-software":       "registers software the directory has revoked: takes a request signed by a key of its revoked key set",
	"accept-inactive-org":           "registers software whose SSA org_status is not Active",

	// Registration request JWT.
	"skip-request-signature":      "accepts a registration request signed by any key (signature not checked against the software key set)",
	"accept-org-key":              "verifies a registration request against the organisation's key set (the SSA's org_jwks_endpoint), so that a key of another software of the organisation serves",
	"accept-request-alg-none":     "accepts an unsigned registration request (alg none)",
	"accept-request-hs256":        "accepts a registration request with alg HS256, without checking its MAC",
	"accept-request-rs256":        "accepts a registration request signed with RS256",
	"ignore-request-exp":          "accepts a registration request whose exp has passed",
	"ignore-request-iat-future":   "accepts a registration request whose iat is in the future",
	"ignore-request-nbf":          "accepts a registration request whose nbf (not before) is still ahead",
	"accept-missing-iss":          "accepts a registration request without iss",
	"accept-missing-aud":          "accepts a registration request without aud",
	"accept-missing-exp":          "accepts a registration request without exp",
	"accept-missing-iat":          "accepts a registration request without iat",
	"accept-missing-jti":          "accepts a registration request without jti",
	"ignore-aud":                  "accepts a registration request whose aud is not this bank",
	"ignore-iss-mismatch":         "accepts a registration request whose iss is not the SSA software_id",
	"ignore-software-id-mismatch": "registers the request's software_id claim when it is not the SSA software_id",
	"allow-jti-replay":            "accepts a registration (POST or PUT) request whose jti was already used",

	// Client metadata.
	"ignore-redirect-subset":           "accepts redirect_uris that are not in the SSA software_redirect_uris",
	"redirect-prefix-match":            "matches redirect_uris against the SSA by prefix: a URI that extends an SSA URI is accepted",
	"accept-any-id-token-alg":          "registers any id_token_signed_response_alg (e.g. RS256), not only PS256 or ES256",
	"allow-localhost-redirect":         "UK: accepts an https redirect URI on the host localhost when the SSA lists it",
	"allow-http-redirect":              "accepts redirect_uris with the http scheme",
	"accept-unsupported-auth-method":   "accepts any token_endpoint_auth_method (e.g. client_secret_basic)",
	"accept-public-client":             "registers public clients (token_endpoint_auth_method none), as a plain OAuth server may (FAPI does not support them)",
	"accept-missing-signing-alg":       "accepts private_key_jwt without token_endpoint_auth_signing_alg",
	"accept-unsupported-grant-type":    "accepts grant_types it does not support (e.g. password)",
	"accept-unsupported-response-type": "accepts response_types it does not support (e.g. token)",
	"accept-bad-application-type":      "accepts an application_type other than web",
	"ignore-scope-roles":               "accepts scopes the SSA software_roles do not allow",
	"allow-duplicate-registration":     "registers the same software_id again while an earlier client exists",
	"v31-jwt-only":                     "UK DCR 3.1 endpoint: refuses application/jose, the content type 3.1 defines",
	"v31-subject-dn-only":              "UK DCR 3.1 endpoint: reads tls_client_auth_subject_dn (3.2) instead of 3.1's tls_client_auth_dn",
	"v34-application-type-mobile":      "UK DCR 3.4 endpoint: keeps 3.3's application_type codes, registering mobile (which 3.4 no longer lists) and refusing native",
	"v34-subject-dn-any-order":         "UK DCR 3.4 endpoint: registers a tls_client_auth_subject_dn in any attribute order (as 3.3 allowed) and answers it as sent, the CN last",
	"v34-subject-dn-reversed":          "UK DCR 3.4 endpoint: answers tls_client_auth_subject_dn in X.509 order (C=GB,...,CN=...), not 3.4's CN-first form",
	"ignore-tls-subject-dn":            "ignores tls_client_auth_subject_dn: registers one that is not the certificate's, and the token endpoint takes any certificate of the software",

	// Registration transport and response.
	"allow-tls11":                            "accepts TLS 1.0 and 1.1 handshakes (FAPI requires TLS 1.2 or later)",
	"tls-legacy-ciphers":                     "accepts TLS 1.2 handshakes with the runtime's default cipher suites, CBC ones among them (FAPI permits only those BCP 195 recommends)",
	"discovery-text-plain":                   "serves the discovery document as text/plain (its JSON written without a Content-Type, left to sniffing)",
	"discovery-empty-array":                  "lists an empty array in discovery (acr_values_supported: [], from an unset setting)",
	"discovery-no-signing-algs":              "advertises private_key_jwt in discovery without token_endpoint_auth_signing_alg_values_supported",
	"discovery-no-subject-types":             "leaves subject_types_supported out of discovery (an OAuth server's metadata, not an OpenID Provider's)",
	"discovery-no-authorization-endpoint":    "leaves authorization_endpoint out of discovery while listing the authorization_code grant",
	"discovery-http-jwks-uri":                "lists its jwks_uri with the http scheme (a TLS-terminating proxy's view of the URL)",
	"discovery-no-scopes":                    "leaves scopes_supported out of discovery (RECOMMENDED, openid among them)",
	"jwks-private-key":                       "publishes its signing key at jwks_uri whole, private part (d) and all",
	"jwks-mixed-without-use":                 "publishes a signing and an encryption key at jwks_uri, neither with use",
	"jwks-x5c-stale":                         "publishes beside its signing key an x5c certificate of another key (one from before a key rotation)",
	"jwks-same-key-sig-enc":                  "publishes its signing key a second time, for encryption (use enc)",
	"oauth-metadata-stale-issuer":            "publishes at /.well-known/oauth-authorization-server (RFC 8414) a document whose issuer has a path its location was not built from",
	"no-cors":                                "answers no cross-origin request: no Access-Control-Allow-Origin, no preflight (CORS is a SHOULD for discovery, jwks_uri and the endpoints clients call)",
	"discovery-signing-alg-none":             "lists none among discovery's token_endpoint_auth_signing_alg_values_supported",
	"accept-expired-client-cert":             "accepts a client (transport) certificate outside its validity period: expired or not yet valid",
	"accept-untrusted-client-cert":           "accepts a client (transport) certificate that does not chain to a CA it trusts",
	"accept-client-cert-without-client-auth": "accepts a client (transport) certificate whose extended key usage does not allow TLS client authentication",
	"refuse-generalized-time-validity":       "takes no client (transport) certificate whose validity ends in 2050 or later, encoded as GeneralizedTime (a parser of UTCTime alone)",
	"token-cert-optional":                    "authenticates a token request without a client certificate, checking one only when presented: a tls_client_auth client by its client_id alone",
	"ignore-ca-key-usage":                    "takes a client (transport) certificate issued by a CA whose key usage lacks keyCertSign (path validation reading basic constraints alone)",
	"ignore-client-cert-key-usage":           "accepts a client (transport) certificate whose key usage allows no TLS client authentication (reading, as Go's verifier does, the extended key usage alone)",
	"ssa-from-earlier-registration":          "registers a request without software_statement with the SSA of an earlier (even deleted) registration of the certificate's software",
	"accept-json-body":                       "accepts an unsigned application/json registration body carrying the claims",
	"ignore-content-type":                    "accepts a registration with any Content-Type (e.g. text/plain)",
	"no-body-limit":                          "accepts registration bodies far over 64 KiB (up to 8 MiB)",
	"no-mtls-register":                       "registers without a client certificate",
	"accept-other-software-cert":             "accepts a transport certificate whose CN is not the software_id being registered",
	"status-200-on-register":                 "answers a successful registration with 200 instead of 201",
	"client-secret-for-pkjwt":                "returns a client_secret to private_key_jwt clients",
	"invalid-request-for-redirect":           "answers invalid_request where invalid_redirect_uri is due",
	"non-json-error":                         "sends error bodies as text/plain instead of a JSON object",
	"echo-wrong-metadata":                    "reports different redirect_uris in the 201 response than were requested",

	// Token endpoint.
	"token-accept-expired-assertion":      "accepts a client assertion whose exp has passed",
	"token-ignore-iss-mismatch":           "accepts a client assertion whose iss is not the client_id (the form's client_id picks the client)",
	"token-500-on-malformed-assertion":    "answers a client_assertion that is not a JWT with 500 instead of invalid_client",
	"token-allow-assertion-replay":        "accepts a client assertion whose jti was already used",
	"token-ignore-aud":                    "accepts a client assertion whose aud is neither the token endpoint nor the issuer",
	"token-ignore-sub-mismatch":           "accepts a client assertion whose sub is not the client_id",
	"token-accept-wrong-key":              "accepts a client assertion signed by a key outside the client's key set",
	"token-accept-any-alg":                "accepts a client assertion signed with any asymmetric alg, not only the registered one",
	"token-accept-missing-assertion-type": "accepts a missing or wrong client_assertion_type",
	"token-accept-other-cert-tls-auth":    "issues tokens to a tls_client_auth client over a certificate whose subject is not the registered one",
	"token-unbound":                       "issues tokens not bound to the certificate: management accepts them over any certificate",
	"token-for-deleted-client":            "issues tokens to a deleted client (which then also reads its deleted registration)",

	// Management (GET/PUT/DELETE /register/{ClientId}).
	"no-revoke-on-unknown-client":    "does not revoke an access token presented for an unknown or another client's ClientId",
	"manage-without-mtls":            "serves management requests without a client certificate, and then skips the token's certificate binding",
	"no-www-authenticate":            "omits the WWW-Authenticate header on 401 invalid_token",
	"bearer-challenge-without-error": "sends the 401's WWW-Authenticate: Bearer challenge without its error attribute (RFC 6750 recommends error=\"invalid_token\")",
	"accept-no-token":                "serves management requests that carry no Authorization header",
	"accept-expired-token":           "accepts expired access tokens on management requests",
	"accept-other-client-token":      "accepts one client's access token for another client's registration",
	"put-ignores-changes":            "answers PUT with 200 and the old metadata without storing the update",
	"put-skip-validation-redirect":   "does not check redirect_uris on PUT (http and URIs outside the SSA accepted)",
	"put-allow-software-id-change":   "lets PUT move a registration to another software_id (another software's SSA)",
	"put-skip-signature":             "does not verify the signature of a PUT request",
	"delete-keeps-tokens":            "does not revoke a client's access tokens on DELETE: they still read the deleted registration",
	"delete-returns-200":             "answers DELETE with 200 instead of 204",
	"get-after-delete-200":           "answers GET of a deleted registration with 200 and its metadata, token or not",
	"unknown-client-404":             "answers a management request for an unknown ClientId with 404 instead of 401",
	"put-adopts-client-id":           "accepts a PUT whose client_id names another client, and answers that client_id as the client's",
	"accept-sibling-token":           "accepts for a client's registration the access token of another client of the same organisation (the SSA's org_id)",
	"manage-acts-before-auth":        "carries out a PUT or DELETE whose bearer credential it refuses (none, unknown, expired, another client's), then answers the 401",
	"put-revokes-tokens":             "revokes the client's access tokens when it updates the client (PUT)",
	"tokens-revive-on-reregister":    "on DELETE parks the client's access tokens instead of revoking them, and gives them to the next client the same software registers",

	// Profiles other than UK.
	"cdr-ignore-registration-scope":         "CDR: serves management requests whose access token lacks the cdr:registration scope",
	"allow-redirect-fragment":               "accepts redirect URIs with a fragment component",
	"is-skip-basic-auth":                    "Identity Server: registers without the administrator's HTTP Basic credentials, or with wrong ones",
	"is-omit-ext-fields":                    "Identity Server: leaves the ext_* members out of the client information response",
	"omit-client-secret-expires-at":         "issues a client_secret without client_secret_expires_at",
	"ssa-echo-decoded":                      "returns the software_statement of a registration decoded (its claims as an object), not the JWT it was sent",
	"read-omits-software-id":                "answers a read (GET) without the registered software_id (kept apart from the rest of the metadata)",
	"rfc7591-skip-initial-access-token":     "RFC 7591: registers without a valid initial access token when one is required",
	"rfc7591-allow-jwks-and-jwks-uri":       "RFC 7591: accepts a registration carrying both jwks and jwks_uri",
	"tls13-only":                            "serves TLS 1.3 only, so a client limited to TLS 1.2 cannot connect (RFC 7591 and RFC 7592 section 5: the server MUST support TLS 1.2)",
	"rfc7592-any-method-reads":              "RFC 7592: answers a method it does not support at the client configuration endpoint (PATCH, POST) as a read: 200 with the client, not 405",
	"rfc7592-relative-client-uri":           "RFC 7592: answers registration_client_uri as a path (/register/rfc7591/{client_id}), not the fully qualified URL",
	"rfc7592-opaque-client-uri":             "RFC 7592: forms registration_client_uri from a handle (h-<base64url of the client_id>), not the client_id as a path or query parameter",
	"rfc7591-reject-unknown-metadata":       "RFC 7591: refuses a registration carrying client metadata it does not understand (400 invalid_client_metadata), as a strict schema does",
	"rfc7591-allow-code-without-redirect":   "RFC 7591: registers an authorization_code client that registers no redirect URI",
	"rfc7591-allow-remote-http-redirect":    "RFC 7591: registers a plain http redirect URI on a remote host",
	"rfc7591-derived-client-secret":         "RFC 7591: derives the client_secret from the registered metadata (a hash), so clients registering the same metadata share it",
	"rfc7592-guessable-registration-token":  "RFC 7592: issues registration access tokens from a counter (rat-00000001, ...): 32 bits at most, and guessable",
	"rfc7592-keep-old-registration-token":   "RFC 7592: rotates the registration access token on PUT but keeps honouring the old one",
	"rfc7592-omit-registration-token":       "RFC 7592: answers a registration without registration_access_token and registration_client_uri",
	"rfc7592-read-omits-registration-token": "RFC 7592: answers a read (GET) without registration_access_token and registration_client_uri",
	"rfc7592-put-overwrites-secret":         "RFC 7592: lets a PUT replace the client_secret with one the client chose",
	"rfc7592-rotate-without-storing":        "RFC 7592: answers a PUT with a new registration_access_token but keeps honouring only the old one",
	"token-accept-wrong-secret":             "accepts a client_secret_basic or client_secret_post client with a wrong client_secret",
	"basic-401-without-challenge":           "refuses HTTP Basic client credentials at the token endpoint with a 401 that carries no WWW-Authenticate challenge",
	"rfc7592-put-omits-registration-token":  "RFC 7592: answers a PUT without registration_access_token and registration_client_uri (the token, unrotated, still works)",
	"rfc7592-put-omits-secret-expiry":       "RFC 7592: answers a PUT with the client_secret but without client_secret_expires_at",
	"accept-ssa-software-key":               "accepts an SSA signed by the software's own key (its key set, named in the SSA) instead of the directory's",
	"register-500-under-load":               "answers 500 to a registration served while another is in flight, after storing the client (its client_id in the 500 body); each registration is held 50 ms",
	"token-aud-any-url-on-host":             "accepts a client assertion whose aud is any URL on the bank's host, not only the token endpoint or the issuer",
	"token-response-cacheable":              "answers a token request without Cache-Control: no-store and Pragma: no-cache",
	"token-client-from-assertion":           "takes the client from the client assertion's iss and ignores a client_id parameter naming another client",
	"token-client-mismatch-invalid-request": "answers a client_id that is not the client assertion's iss with invalid_request (FAPI requires invalid_client)",
	"request-header-jwk-trusted":            "verifies a registration request with a key embedded in its JOSE header (jwk) instead of the software's key set",
	"request-overrides-ssa":                 "CDR: registers the request's client_name (and other stated metadata) over the SSA's value of the same name",
	"cdr-refuse-unknown-claims":             "CDR: refuses (400 invalid_client_metadata) a registration request carrying a claim the holder does not support, instead of ignoring it",
	"cdr-echo-unknown-claims":               "CDR: registers and answers back every claim of the registration request, those it does not support too",
	"cdr-omit-ssa-metadata":                 "CDR: answers a registration without the metadata it took from the SSA (software_id, jwks_uri), keeping them to itself",
	"cdr-duplicate-post-updates":            "CDR: refuses a second registration (POST) of a software product as a duplicate, but first writes its metadata over the existing registration",
	"cdr-assertion-aud-issuer-only":         "CDR: takes a client assertion only when its aud names the issuer, refusing one that names the token endpoint",
	"id-token-enc-legacy-only":              "supports and advertises only RSA1_5/A128GCM ID-token encryption: none of RSA-OAEP, RSA-OAEP-256, nor A256GCM, A128CBC-HS256",
	"cdr-refuse-unsupported-ssa-scope":      "CDR: refuses (400 invalid_software_statement) an SSA whose scope names a scope the holder does not support (an energy scope at a bank), instead of ignoring it",
	"request-header-jku-trusted":            "verifies a registration request against the key set at the jku URL of its JOSE header when the software's key set does not verify it",
	"accept-unsupported-signing-alg":        "registers (POST and PUT) any token_endpoint_auth_signing_alg, e.g. RS256, not only PS256 or ES256",
	"put-accept-unsupported-signing-alg":    "accepts and stores on PUT a token_endpoint_auth_signing_alg other than PS256 or ES256 (POST still refuses it)",
	"request-typ-exact":                     "refuses a registration request whose typ header is not the string \"JWT\" exactly, though \"application/jwt\" (or \"jwt\") names the same media type",
	"request-header-x5c-trusted":            "verifies a registration request with the key of the first certificate of its JOSE header's x5c, without validating the chain",
	"ignore-request-crit":                   "accepts a registration request whose crit header names an extension the bank does not understand (the signature checked by hand, crit ignored)",
	"registration-response-cacheable":       "answers a registration (its client_secret, registration_access_token) without Cache-Control: no-store and Pragma: no-cache",
	"put-accept-unsupported-auth-method":    "accepts and stores on PUT a token_endpoint_auth_method it does not support (POST still refuses it)",
	"register-check-then-insert":            "checks a registration's jti replay and duplicate software, then waits 250 ms, then stores it: requests sent at once all pass the checks",
	"register-client-id-race":               "numbers client_ids from a count read before a 250 ms window and stored after it: registrations at once get one client_id, the later overwriting the earlier",
	"token-check-then-issue":                "authenticates a token request, waits 250 ms, then issues the token without looking whether the client was deleted meanwhile",
	"put-check-then-write":                  "authorises a PUT, waits 250 ms, then writes back the client as it read it: a DELETE served meanwhile is undone",
	"token-jti-check-then-use":              "checks a client assertion's jti unused, then waits 250 ms, then records it: assertions sent at once all pass",

	// RFC 6749 sections 2.3 and 5.2, RFC 7521 section 4.2.1, RFC 7523 section 3, RFC 6750 section 3.
	"token-accept-assertion-without-exp":      "accepts a client assertion without exp, as if it never expired",
	"token-accept-assertion-without-jti":      "accepts a client assertion without jti (and so cannot tell a replay)",
	"token-refuse-unknown-assertion-claims":   "refuses a client assertion carrying a claim it does not know, instead of ignoring it",
	"token-ignore-assertion-nbf":              "accepts a client assertion whose nbf is still in the future",
	"token-ignore-second-client-auth":         "accepts a token request carrying a client_secret (form or HTTP Basic) beside its client assertion: authenticates by the assertion, ignores the secret",
	"token-accept-cert-for-jwt-client":        "authenticates a private_key_jwt client that sends no client assertion by its transport certificate alone, as if it were registered for tls_client_auth",
	"token-unsupported-grant-invalid-request": "answers a token request for a grant_type it does not support with invalid_request instead of unsupported_grant_type",
	"error-description-raw":                   "writes error_description as formatted, with the double quotes of quoted values (grant_type \"x\" ...), characters RFC 6749 section 5.2 forbids",
	"bearer-challenge-bare":                   "answers a management request carrying no Bearer credentials with a bare WWW-Authenticate: Bearer, no auth-param after the scheme",
	"bearer-error-without-credentials":        "puts error=\"invalid_token\" in the challenge to a request that carries no credentials at all (RFC 6750 section 3.1: SHOULD NOT)",
	"token-response-without-expires-in":       "answers a token request without expires_in (RFC 6749 section 5.1: RECOMMENDED)",
	"token-iss-case-insensitive":              "takes a client assertion whose iss is the client_id in other letter case (compared as a case-insensitive database collation would)",
	"bearer-error-twice":                      "repeats the error attribute in the WWW-Authenticate: Bearer challenge of a refused token (as a proxy and the application both add it)",
	"bearer-description-non-ascii":            "adds to the challenge of a refused token an error_description with non-ASCII typography (an apostrophe and a dash), outside RFC 6750 section 3's characters",
}

// Defects lists the catalogue, sorted by name.
func Defects() []Defect {
	out := make([]Defect, 0, len(defectCatalogue))
	for name, desc := range defectCatalogue {
		out = append(out, Defect{Name: name, Description: desc})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func defectSet(names []string) (map[string]bool, error) {
	set := make(map[string]bool, len(names))
	for _, n := range names {
		if _, ok := defectCatalogue[n]; !ok {
			names := make([]string, 0, len(defectCatalogue))
			for d := range defectCatalogue {
				names = append(names, d)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("unknown defect %q: the defects are %s", n, strings.Join(names, ", "))
		}
		set[n] = true
	}
	return set, nil
}

// has reports whether the named defect is switched on. The tests check that every name passed
// here is in the catalogue and that each catalogue name is tested exactly once.
func (b *Bank) has(name string) bool { return b.defects[name] }
