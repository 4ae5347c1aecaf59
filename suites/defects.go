package suites

// DefectCatches names, for each reference bank defect, the specs expected to catch it by failing. A
// negative spec counts only when it is listed here (or, for a SHOULD clause, in DefectWarns) and the
// self-test shows it failing (warning) against that defect. A defect whose only breaches are of SHOULD
// clauses is listed with no spec: DefectWarns names the specs that catch it.
var DefectCatches = map[string][]string{
	"token-refuse-unknown-assertion-claims":  {"UK-TOK-003"},
	"token-accept-assertion-without-jti":     {"UK-TOK-N28"},
	"accept-future-ssa":                      {"UK-REG-N19"},
	"v31-jwt-only":                           {"UK-REG-001"},
	"allow-tls11":                            {"UK-DISC-N01"},
	"tls-legacy-ciphers":                     {"UK-DISC-N02", "CDR-DISC-N02"},
	"token-client-mismatch-invalid-request":  {"UK-TOK-N30", "UK-TOK-N11", "UK-TOK-N25", "CDR-TOK-N30"},
	"accept-public-client":                   {"UK-REG-N65", "CDR-REG-N65"},
	"discovery-text-plain":                   {"UK-DISC-002", "CDR-DISC-002"},
	"discovery-empty-array":                  {"UK-DISC-003", "CDR-DISC-003"},
	"discovery-no-signing-algs":              {"UK-DISC-004", "CDR-DISC-004"},
	"discovery-no-subject-types":             {"UK-DISC-005", "CDR-DISC-005"},
	"discovery-no-authorization-endpoint":    {"UK-DISC-005", "CDR-DISC-005"},
	"discovery-http-jwks-uri":                {"UK-DISC-005", "CDR-DISC-005"},
	"jwks-private-key":                       {"UK-DISC-006", "CDR-DISC-006"},
	"jwks-mixed-without-use":                 {"UK-DISC-006", "CDR-DISC-006"},
	"oauth-metadata-stale-issuer":            {"UK-DISC-010", "CDR-DISC-010"},
	"jwks-x5c-stale":                         {"UK-DISC-006", "CDR-DISC-006"},
	"jwks-same-key-sig-enc":                  {}, // NOT RECOMMENDED: see DefectWarns
	"no-cors":                                {}, // SHOULD: see DefectWarns
	"discovery-no-scopes":                    {}, // SHOULD: see DefectWarns
	"discovery-signing-alg-none":             {"UK-DISC-004", "CDR-DISC-004"},
	"ssa-from-earlier-registration":          {"UK-REG-N45"},
	"v31-subject-dn-only":                    {"UK-REG-002"},
	"allow-localhost-redirect":               {"UK-REG-N62"},
	"v34-application-type-mobile":            {"UK-REG-N31"},
	"v34-subject-dn-any-order":               {"UK-REG-N61"},
	"v34-subject-dn-reversed":                {"UK-REG-002", "UK-SCH-006"}, // CN last: 3.4's OpenAPI pattern too
	"ignore-software-id-mismatch":            {"UK-REG-N42"},
	"redirect-prefix-match":                  {"UK-REG-N43"},
	"accept-any-id-token-alg":                {"UK-REG-N44"},
	"token-ignore-iss-mismatch":              {"UK-TOK-N11", "UK-TOK-N25"}, // N25: an iss in other case is another iss
	"token-500-on-malformed-assertion":       {"UK-TOK-N12"},
	"manage-without-mtls":                    {"UK-GET-N07", "UK-PUT-N11", "UK-DEL-N09"},
	"accept-ssa-hs256":                       {"UK-REG-N25"},
	"server-error-on-empty-body":             {"UK-REG-N37"},
	"server-error-on-malformed-jwt":          {"UK-REG-N34"},
	"accept-unknown-token":                   {"UK-GET-N03", "UK-PUT-N03", "UK-DEL-N03"},
	"repeat-delete-204":                      {"UK-DEL-N07"},
	"put-reuse-stored-ssa":                   {"UK-PUT-N10"},
	"accept-bad-application-type":            {"UK-REG-N31"},
	"accept-stale-ssa":                       {"GEN-REG-N10"},
	"accept-expired-ssa":                     {"UK-REG-N18", "CDR-REG-N05"},
	"accept-expired-token":                   {"UK-GET-N04", "UK-PUT-N04", "UK-DEL-N04", "CDR-GET-N01", "CDR-PUT-N01", "CDR-DEL-N01"},
	"accept-inactive-org":                    {"UK-REG-N24"},
	"accept-json-body":                       {"UK-REG-N35", "GEN-REG-N06"},
	"accept-missing-aud":                     {}, // OBIE: the ASPSP "may validate" aud: see DefectWarns
	"accept-missing-exp":                     {"UK-REG-N12", "CDR-REG-N10"},
	"accept-missing-iat":                     {"UK-REG-N11"},
	"accept-missing-iss":                     {"UK-REG-N09"},
	"accept-missing-jti":                     {"UK-REG-N13"},
	"accept-missing-signing-alg":             {"UK-REG-N28"},
	"accept-no-token":                        {"UK-GET-N02", "UK-PUT-N02", "UK-DEL-N02", "GEN-GET-N01", "GEN-PUT-N01", "GEN-DEL-N01", "IS-GET-N01", "IS-PUT-N01", "IS-DEL-N01", "RFC-GET-N01", "RFC-PUT-N01", "RFC-DEL-N01"},
	"accept-other-client-token":              {"UK-GET-N05", "UK-PUT-N05", "UK-DEL-N05", "GEN-GET-N02", "GEN-PUT-N02", "GEN-DEL-N02", "RFC-GET-N02", "RFC-PUT-N02", "RFC-DEL-N02", "UK-GET-N20", "UK-PUT-N20", "UK-DEL-N20", "CDR-GET-N20", "CDR-PUT-N20", "CDR-DEL-N20"},
	"accept-other-software-cert":             {}, // a SHOULD of the OB Directory: see DefectWarns
	"accept-request-alg-none":                {"UK-REG-N05"},
	"accept-request-hs256":                   {"UK-REG-N06", "CDR-REG-N07"},
	"accept-request-rs256":                   {"UK-REG-N07"},
	"accept-revoked-software":                {"UK-REG-N23"},
	"accept-ssa-alg-none":                    {"UK-REG-N20"},
	"accept-ssa-missing-claims":              {"UK-REG-N22"},
	"accept-ssa-unknown-kid":                 {"UK-REG-N17", "CDR-REG-N02", "UK-REG-N46", "CDR-REG-N13"},
	"accept-ssa-wrong-issuer":                {"UK-REG-N21", "CDR-REG-N04"},
	"accept-unsupported-auth-method":         {"UK-REG-N27", "IS-REG-N05", "CDR-REG-N15"},
	"accept-unsupported-grant-type":          {"UK-REG-N29"},
	"accept-unsupported-response-type":       {"UK-REG-N30"},
	"allow-duplicate-registration":           {"CDR-REG-N01", "CDR-REG-N80"},
	"allow-http-redirect":                    {"UK-REG-N26"},
	"allow-jti-replay":                       {}, // RFC 7519 4.1.7's OPTIONAL: see DefectWarns
	"allow-redirect-fragment":                {"RFC-REG-N03", "RFC-PUT-N07"},
	"cdr-ignore-registration-scope":          {"CDR-GET-N03", "CDR-PUT-N03", "CDR-DEL-N03"},
	"client-secret-for-pkjwt":                {"UK-REG-005"},
	"delete-keeps-tokens":                    {"UK-DEL-N08", "GEN-DEL-N03"},
	"delete-returns-200":                     {"UK-DEL-001", "CDR-DEL-001", "GEN-DEL-001", "IS-DEL-001", "RFC-DEL-001"},
	"echo-wrong-metadata":                    {"UK-REG-001"},
	"get-after-delete-200":                   {"UK-DEL-001"},
	"ignore-aud":                             {"UK-REG-N14", "CDR-REG-N09", "GEN-REG-N04"},
	"ignore-content-type":                    {"UK-REG-N36"},
	"ignore-iss-mismatch":                    {"UK-REG-N15", "CDR-REG-N11"},
	"ignore-redirect-subset":                 {"UK-REG-N03", "CDR-REG-N06", "GEN-REG-N03", "IS-REG-N04"},
	"ignore-request-exp":                     {"UK-REG-N02", "GEN-REG-N05"},
	"ignore-request-iat-future":              {}, // RFC 7519 4.1.6's OPTIONAL: see DefectWarns
	"ignore-request-nbf":                     {"UK-REG-N71", "GEN-REG-N09"},
	"ignore-scope-roles":                     {"UK-REG-N32"},
	"ignore-tls-subject-dn":                  {"UK-REG-N41"},
	"invalid-request-for-redirect":           {"UK-REG-N03", "UK-REG-N26"},
	"is-omit-ext-fields":                     {"IS-REG-002"},
	"is-skip-basic-auth":                     {"IS-REG-N01", "IS-REG-N02"},
	"no-body-limit":                          {"UK-REG-N38"},
	"no-mtls-register":                       {"UK-REG-N39", "GEN-REG-N08", "IS-REG-N06", "CDR-REG-N12"},
	"no-revoke-on-unknown-client":            {"UK-GET-N01", "UK-PUT-N01", "UK-DEL-N01"},
	"no-www-authenticate":                    {"UK-TOK-N10", "UK-GET-N06", "UK-PUT-N06", "UK-DEL-N06", "CDR-GET-N01", "CDR-PUT-N01", "CDR-DEL-N01", "RFC-GET-N01", "RFC-PUT-N01", "RFC-DEL-N01", "RFC-GET-N03", "RFC-PUT-N03", "RFC-DEL-N03", "RFC-REG-N01", "RFC-REG-N02"},
	"non-json-error":                         {"UK-REG-N34", "UK-REG-N37"},
	"omit-client-secret-expires-at":          {"IS-REG-001", "RFC-REG-002", "RFC-PUT-003"},
	"put-allow-software-id-change":           {"UK-PUT-N07"},
	"put-adopts-client-id":                   {"RFC-PUT-N05"},
	"put-ignores-changes":                    {"UK-PUT-001", "CDR-PUT-001", "GEN-PUT-001", "IS-PUT-001", "RFC-PUT-001"},
	"put-skip-signature":                     {"UK-PUT-N08"},
	"put-skip-validation-redirect":           {"UK-PUT-N09", "RFC-PUT-N07"},
	"rfc7591-allow-jwks-and-jwks-uri":        {"RFC-REG-N04"},
	"tls13-only":                             {"RFC-REG-007"},
	"rfc7592-any-method-reads":               {"RFC-PUT-N09"},
	"rfc7592-relative-client-uri":            {"RFC-REG-008"},
	"rfc7592-opaque-client-uri":              {}, // RFC 7592 appendix B: RECOMMENDED: see DefectWarns
	"rfc7591-reject-unknown-metadata":        {"RFC-REG-004"},
	"rfc7591-allow-code-without-redirect":    {"RFC-REG-N05"},
	"rfc7591-allow-remote-http-redirect":     {"RFC-REG-N06"},
	"rfc7591-derived-client-secret":          {"RFC-REG-005"},
	"rfc7592-guessable-registration-token":   {"RFC-REG-006"},
	"rfc7592-keep-old-registration-token":    {}, // RFC 7592 appendix A.1: the server SHOULD discard it: see DefectWarns
	"rfc7591-skip-initial-access-token":      {"RFC-REG-N01", "RFC-REG-N02"},
	"rfc7592-omit-registration-token":        {"RFC-REG-001"},
	"rfc7592-put-overwrites-secret":          {"RFC-PUT-N06"},
	"rfc7592-read-omits-registration-token":  {"RFC-GET-002"},
	"ssa-echo-decoded":                       {"UK-REG-006", "CDR-REG-006", "UK-SCH-001"}, // not a JWT: the OpenAPI format too
	"read-omits-software-id":                 {"UK-GET-001"},
	"rfc7592-rotate-without-storing":         {"RFC-PUT-002"},
	"skip-request-signature":                 {"UK-REG-N04", "CDR-REG-N08", "GEN-REG-N02", "UK-PUT-N08", "UK-REG-N23", "UK-REG-N60", "UK-REG-N54"}, // N23: revocation moves the keys; N54: crit is checked when the JWS is verified
	"skip-ssa-signature":                     {"UK-REG-N01", "CDR-REG-N03", "GEN-REG-N01", "IS-REG-N03", "UK-REG-N46", "CDR-REG-N13"},
	"status-200-on-register":                 {"UK-REG-001", "CDR-REG-001", "GEN-REG-001", "IS-REG-001", "RFC-REG-001"},
	"token-accept-any-alg":                   {"UK-TOK-N07"},
	"token-accept-expired-assertion":         {"UK-TOK-N03", "CDR-TOK-N03"},
	"token-accept-missing-assertion-type":    {"UK-TOK-N08"},
	"token-accept-other-cert-tls-auth":       {"UK-TOK-N09"},
	"token-accept-wrong-key":                 {"UK-TOK-N06"},
	"token-accept-wrong-secret":              {"RFC-TOK-N01"},
	"token-allow-assertion-replay":           {"CDR-TOK-N05"}, // a MUST of the CDR standards; RFC 7523's "MAY ensure" (UK): see DefectWarns
	"token-for-deleted-client":               {"UK-TOK-N01", "RFC-DEL-N05", "UK-PUT-N80"},
	"token-ignore-aud":                       {"UK-TOK-N02", "UK-TOK-N13", "UK-TOK-N27"},
	"token-ignore-sub-mismatch":              {"UK-TOK-N04", "UK-TOK-N26"},
	"token-unbound":                          {"UK-TOK-N10"},
	"unknown-client-404":                     {"CDR-GET-N02", "CDR-PUT-N02", "CDR-DEL-N02", "RFC-GET-N04", "RFC-PUT-N04", "RFC-DEL-N04", "RFC-DEL-001"},
	"bearer-challenge-without-error":         {"UK-TOK-N10"}, // RFC 6750 recommends the code (see DefectWarns); RFC 8705 section 3 requires it for a bound token refused
	"basic-401-without-challenge":            {"RFC-TOK-N01", "RFC-DEL-N05"},
	"rfc7592-put-omits-registration-token":   {"RFC-PUT-003"},
	"rfc7592-put-omits-secret-expiry":        {"RFC-PUT-003"},
	"accept-ssa-software-key":                {"UK-REG-N46", "CDR-REG-N13"},
	"token-aud-any-url-on-host":              {"UK-TOK-N13"},
	"token-response-cacheable":               {"UK-TOK-001", "UK-TOK-002", "CDR-TOK-001", "GEN-TOK-001", "IS-TOK-001", "RFC-TOK-001"},
	"token-client-from-assertion":            {"UK-TOK-N18"},
	"request-header-jwk-trusted":             {"UK-REG-N51"},
	"request-overrides-ssa":                  {"CDR-REG-N14"},
	"cdr-refuse-unknown-claims":              {"CDR-REG-007"},
	"cdr-echo-unknown-claims":                {"CDR-REG-007"},
	"cdr-refuse-unsupported-ssa-scope":       {"CDR-REG-008"},
	"cdr-omit-ssa-metadata":                  {"CDR-REG-009"},
	"cdr-duplicate-post-updates":             {"CDR-REG-N16"},
	"cdr-assertion-aud-issuer-only":          {"CDR-TOK-002"},
	"id-token-enc-legacy-only":               {"CDR-DISC-001", "UK-DISC-007", "CDR-DISC-007"},
	"request-header-jku-trusted":             {"UK-REG-N52"},
	"accept-unsupported-signing-alg":         {"UK-REG-N53", "UK-PUT-N13", "UK-REG-N66"},
	"put-accept-unsupported-signing-alg":     {"UK-PUT-N13"},
	"ignore-request-crit":                    {"UK-REG-N54"},
	"request-header-x5c-trusted":             {"UK-REG-N72"},
	"request-typ-exact":                      {"UK-REG-071"},
	"registration-response-cacheable":        {"RFC-REG-003"},
	"put-accept-unsupported-auth-method":     {"UK-PUT-N12"},
	"manage-acts-before-auth":                {"UK-PUT-N02", "UK-PUT-N03", "UK-PUT-N04", "UK-DEL-N02", "UK-DEL-N03", "UK-DEL-N04", "UK-DEL-N05", "GEN-PUT-N01", "GEN-DEL-N01", "GEN-DEL-N02", "IS-PUT-N01", "IS-DEL-N01", "CDR-PUT-N01", "CDR-DEL-N01", "RFC-PUT-N01", "RFC-PUT-N02", "RFC-PUT-N03", "RFC-DEL-N01", "RFC-DEL-N02", "RFC-DEL-N03", "CDR-DEL-N20"},
	"put-revokes-tokens":                     {"UK-PUT-001", "GEN-PUT-001", "CDR-PUT-001", "IS-PUT-001"},
	"tokens-revive-on-reregister":            {"UK-DEL-N10", "GEN-DEL-N04"},
	"accept-expired-client-cert":             {"UK-REG-N47", "UK-REG-N48", "UK-TOK-N14", "UK-TOK-N15", "UK-GET-N08", "UK-GET-N09"},
	"accept-untrusted-client-cert":           {"UK-REG-N49", "UK-TOK-N16", "UK-GET-N10"},
	"accept-client-cert-without-client-auth": {"UK-REG-N50", "UK-TOK-N17", "UK-GET-N11"},
	"ignore-client-cert-key-usage":           {"UK-REG-N73", "UK-TOK-N73", "UK-GET-N73"},
	"refuse-generalized-time-validity":       {"UK-REG-072"},
	"ignore-ca-key-usage":                    {"UK-REG-N74", "UK-TOK-N74", "UK-GET-N74"},
	"token-cert-optional":                    {"UK-TOK-N75", "UK-TOK-N14", "UK-TOK-N15", "UK-TOK-N16", "UK-TOK-N17", "UK-TOK-N73", "UK-TOK-N74"}, // an unusable certificate is taken as none
	"accept-sibling-token":                   {"UK-GET-N20", "UK-PUT-N20", "UK-DEL-N20"},
	"accept-org-key":                         {"UK-REG-N60"},
	"register-check-then-insert":             {"CDR-REG-N80"},                              // concurrent: requests sent at once; UK-REG-N80, N81 warn
	"token-jti-check-then-use":               {},                                           // RFC 7523: "MAY ensure" no replay: see DefectWarns
	"register-client-id-race":                {"UK-REG-080", "CDR-REG-080", "RFC-REG-080"}, // concurrent: registrations at once
	"token-check-then-issue":                 {"UK-TOK-N81"},                               // concurrent: token requests at once with the DELETE
	"put-check-then-write":                   {"UK-PUT-N80", "RFC-PUT-N80"},                // concurrent: PUT and DELETE at once

	// RFC 6749 2.3.2 and 5.2, RFC 7521 4.2.1, RFC 7523 3, RFC 6750 3 (the swept token and challenge rules).
	"token-accept-assertion-without-exp":      {"UK-TOK-N19"},
	"token-ignore-assertion-nbf":              {"UK-TOK-N20"},
	"token-ignore-second-client-auth":         {"UK-TOK-N21"},
	"token-accept-cert-for-jwt-client":        {"UK-TOK-N22"},
	"token-unsupported-grant-invalid-request": {"UK-TOK-N23"},
	"error-description-raw":                   {"UK-TOK-N24"},
	"bearer-challenge-bare":                   {"UK-GET-N06", "UK-PUT-N06", "UK-DEL-N06"},
	"bearer-error-without-credentials":        {}, // RFC 6750 3.1: SHOULD NOT: see DefectWarns
	"token-response-without-expires-in":       {}, // RFC 6749 5.1: RECOMMENDED: see DefectWarns
	"token-iss-case-insensitive":              {"UK-TOK-N25"},
	"bearer-error-twice":                      {"UK-GET-N30"},
	"bearer-description-non-ascii":            {"UK-GET-N30"},
}

// DefectWarns names, for each reference bank defect that breaks a SHOULD clause (or makes the other
// choice a MAY clause leaves the bank), the specs expected to pass with a warning of it (outcome
// warning): such a breach never fails a spec, so these specs catch the defect by their warning alone,
// and are not in DefectCatches.
var DefectWarns = map[string][]string{
	"accept-missing-aud":                  {"UK-REG-N10"},
	"token-allow-assertion-replay":        {"UK-TOK-N05"},
	"accept-other-software-cert":          {"UK-REG-N40"},
	"allow-duplicate-registration":        {"UK-REG-N33", "GEN-REG-N07"},
	"bearer-challenge-without-error":      {"RFC-REG-N02", "RFC-GET-N03", "RFC-PUT-N03", "RFC-DEL-N03", "CDR-GET-N01", "CDR-PUT-N01", "CDR-DEL-N01"},
	"token-jti-check-then-use":            {"UK-TOK-N80"},
	"register-check-then-insert":          {"UK-REG-N81", "UK-REG-N80"}, // N80: a jti replayed at once (RFC7519-4.1.7-REPLAY)
	"allow-jti-replay":                    {"UK-REG-N16"},               // RFC7519-4.1.7-REPLAY: no UK text obliges the refusal
	"ignore-request-iat-future":           {"UK-REG-N08"},               // RFC7519-4.1.6-AGE: likewise
	"rfc7592-keep-old-registration-token": {"RFC-PUT-N08"},
	"rfc7592-opaque-client-uri":           {"RFC-REG-009"},

	"bearer-error-without-credentials": {"UK-GET-N06", "UK-PUT-N06", "UK-DEL-N06"}, // RFC 6750 3.1
	"jwks-same-key-sig-enc":            {"UK-DISC-006", "CDR-DISC-006"},            // OpenID Connect Discovery 3 (jwks_uri)
	"no-cors":                          {"UK-DISC-009", "CDR-DISC-009"},            // OpenID Connect Discovery 3, 4
	"discovery-no-scopes":              {"UK-DISC-008", "CDR-DISC-008"},            // OpenID Connect Discovery 3, RFC 8414 2

	// RFC 6749 5.1: expires_in RECOMMENDED, judged by every profile's positive token spec.
	"token-response-without-expires-in": {"UK-TOK-001", "UK-TOK-002", "CDR-TOK-001", "GEN-TOK-001", "IS-TOK-001", "RFC-TOK-001"},
}

// LoadOnlyDefects are reference bank defects that only concurrent requests expose, so that no spec run
// in one process catches them (the self-test runs each defect so); each names the test that shows how
// run --procs reports it.
var LoadOnlyDefects = map[string]string{
	"register-500-under-load": "cmd/dcrconform TestProcsReportFailuresOnlyUnderLoad",
}

// DefectAlsoBreaks declares, for a defect, register IDs it breaks beyond those of the specs expected
// to catch it (DefectCatches): requirements whose breach the defect makes indistinguishable, from
// outside the bank, from its own.
var DefectAlsoBreaks = map[string][]string{
	// TLS 1.0 and 1.1 have no cipher suite BCP 195 recommends: a bank allowing them allows those suites.
	"allow-tls11": {"FAPI1-ADV-8.5"},
	// Any token_endpoint_auth_method accepted: none among them, so public clients are supported.
	"accept-unsupported-auth-method": {"FAPI1-ADV-5.2.2-16"},
	// A client_id naming another client ignored: the mismatch is answered with a token, not invalid_client.
	"token-client-from-assertion": {"FAPI1-BASE-5.2.2-19"},
	// A token accepted after the bank should have revoked it is, to the client, a token not revoked.
	"accept-unknown-token": {"RFC7592-2-REVOKE"},
	// Tokens that still read a deleted registration: the deleted client is not unknown (401), and the
	// application is not removed.
	"delete-keeps-tokens": {"OBIE-DCR-3.3-DELETE-STATUS", "GEN-DCR-0.1-DELETE"},
	// A deleted registration served to every token: the client was not deleted, nor its tokens invalidated.
	"get-after-delete-200": {"OBIE-DCR-3.3-DELETE"},
	// A PUT carried out with the token a DELETE sent at once just invalidated (RFC-PUT-N80, when the race
	// falls so): acting on an invalidated token is, from outside, not invalidating it.
	"manage-acts-before-auth": {"RFC7592-2.3"},
}

// DefectVersions names the UK OBIE DCR version a defect lives at; its run tests the uk profile at that
// version (the others at the default, 3.3).
var DefectVersions = map[string]string{
	"v31-jwt-only":                "3.1",
	"v31-subject-dn-only":         "3.1",
	"v34-application-type-mobile": "3.4",
	"v34-subject-dn-any-order":    "3.4",
	"v34-subject-dn-reversed":     "3.4",
}
