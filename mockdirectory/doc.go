// Package mockdirectory is a mock Open Banking directory (UK keystore layout) and CDR register: banks point
// their DCR validation at it instead of the real directory. It keeps organisations and software, issues
// their keys and certificates from its own CA (a root and an issuing CA), publishes key sets, and signs
// software statement assertions (SSAs), valid or broken on request. It runs standalone (Serve, used by
// `dcrconform directory`) and in-process (New, Handler) for the suites.
//
// # Public routes
//
//	GET /keystore/openbanking.jwks                 the directory's signing keys (PS256 and ES256), public members only
//	GET /{org_id}/{org_id}.jwks                    the live keys of an organisation's software
//	GET /{org_id}/{software_id}.jwks               a software's live keys: signing key (use sig), transport key (use tls)
//	GET /{org_id}/revoked/{org_id}.jwks            the revoked keys of an organisation's software
//	GET /{org_id}/revoked/{software_id}.jwks       a software's revoked keys
//	GET /ca.pem                                    CA bundle (issuing CA, then root) for a bank's trust store
//	GET /cdr-register/v1/jwks                      the register's key set (the directory's signing keys)
//	GET /cdr-register/v1/{industry}/data-recipients/brands/{brandId}/software-products/{softwareProductId}/ssa
//	                                               a CDR SSA (application/jwt); brandId is the organisation id;
//	                                               needs the admin token, like the admin API
//	GET /cdr-register/v1/{industry}/data-recipients/brands/software-products/status
//	GET /cdr-register/v1/{industry}/data-recipients/status
//	GET /healthz
//
// Every key carries kid (its RFC 7638 thumbprint), use, alg, x5c (leaf and issuing CA) and x5t#S256. Key
// sets are served from memory with an ETag; their bytes depend only on the stored state.
//
// # Admin API
//
// Every /admin/ call needs "Authorization: Bearer <AdminToken>" (none or wrong: 401; no token configured:
// 401 for every call). Bodies are JSON objects of at most 1 MiB with no unknown fields. Every refusal is
// {"error": "...", "field": "..."} and changes nothing; field is the JSON path of the bad input
// ("redirect_uris[1]"), "body" for a body that is not one JSON object (400) or too large (413),
// "Authorization" (401), "Content-Type" (415), "path" for a path with "." or ".." segments, encoded
// slashes, control characters or a segment over 256 bytes, and "id" / "kid" for a malformed path id (400).
// Unknown ids are 404, clashing ids 409.
//
//	GET   /admin/organisations                      list
//	POST  /admin/organisations                      create (Organisation) -> 201
//	GET   /admin/organisations/{id}
//	PATCH /admin/organisations/{id}[/status]        {"status": "Active|Revoked|Withdrawn|Inactive"}
//	GET   /admin/organisations/{id}/software        list
//	POST  /admin/organisations/{id}/software        create (Software) -> 201
//	GET   /admin/software[?org_id=]                 list
//	POST  /admin/software                           create (Software with org_id) -> 201
//	GET   /admin/software/{id}
//	PATCH /admin/software/{id}[/status]             {"status": ...}
//	POST  /admin/software/{id}/ssa                  SSAOptions (or no body) -> the SSA, application/jwt
//	GET   /admin/software/{id}/keys                 live and revoked keys
//	POST  /admin/software/{id}/keys/{kid}/revoke
//	GET   /admin/software/{id}/transport.pem        transport certificate chain
//	GET   /admin/software/{id}/transport-key.pem    transport private key (PKCS#8)
//	GET   /admin/software/{id}/signing.pem          signing certificate chain
//	GET   /admin/software/{id}/signing-key.pem      signing private key (PKCS#8)
//	POST  /admin/software/{id}/transport-certificates {"fault": "expired"|"not-yet-valid"|"no-client-auth"|"key-usage-no-client-auth"|"valid-past-2049"|"ca-without-cert-sign"|"reissued"}
//	                                                -> 201, a transport certificate chain (PEM) wrong so, for the software's key
//	GET   /admin/keys                               directory signing keys
//	POST  /admin/keys/rotate                        {"alg": "PS256|ES256"} (default PS256) -> 201 {"kid", "keys"}
//	POST  /admin/keys/{kid}/retire
//	DELETE /admin/organisations/{id}                removes it with its software -> 204
//	POST  /admin/runs                               {"name", "ttl": "30m"} -> 201 Run (a lease; see Runs)
//	GET   /admin/runs[/{id}]                        open runs; one with its organisations
//	POST  /admin/runs/{id}/renew                    {"ttl"} -> the run, its lease extended
//	DELETE /admin/runs/{id}                         removes the run's organisations and software -> RunEnd
//
// # Runs
//
// A conformance run takes a lease (StartRun) and creates its organisations with Organisation.Run set to it:
// they go, with their software and keys, when the run ends (EndRun) or its lease expires (ExpireRuns, which
// Serve calls periodically and New at start). So a directory serving many runs keeps a bounded state. The
// run's token, in StartRun's answer only, authenticates admin calls scoped to the run: they list, read and
// change its own organisations and software only (other ids answer 404), create organisations under it,
// renew or end it, and cannot start runs or touch the signing keys (403). So runs at once see only their
// own identities.
//
// # Keys
//
// The directory starts with one RSA (PS256) and one EC (ES256) signing key. RotateSigningKey adds a key
// that becomes the active key of its alg; older keys stay published until RetireSigningKey (the only key
// of an alg cannot be retired). Each software has one live signing key (RSA PS256, or EC ES256 for
// KeyType "EC") and one live transport key, with certificates whose subject is
// CN=<software_id>, OU=<org_id>, O=OpenBanking, C=GB. RevokeSoftwareKey moves a key to the revoked sets
// and issues a fresh key of the same use, so Credentials always returns a usable identity; the revoked
// keys remain in Credentials.Revoked for negative scenarios.
//
// # State
//
// With Config.StateDir, everything is kept as files written atomically (see the layout in state.go); a
// restart serves byte-identical key sets and CA bundle, and SSAs issued before it still verify. One
// process per state directory. Without StateDir the directory lives in memory.
package mockdirectory
