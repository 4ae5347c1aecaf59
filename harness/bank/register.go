package bank

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

const (
	clockSkew  = 60 * time.Second // tolerated for iat in the future
	timeFormat = time.RFC3339
	maxSSAAge  = 24 * time.Hour // the oldest OB Directory SSA (by iat) the bank accepts
)

// serveRegister handles POST to a profile's registration endpoint: RFC 7591 section 3 with the rules
// of the profile (UK OBIE DCR 3.3, CDR, generic, Identity Server, plain RFC 7591).
func (b *Bank) serveRegister(w http.ResponseWriter, r *http.Request, d *dialect) {
	cert := b.clientCert(r)
	if d.mtls && cert == nil && !b.has("no-mtls-register") {
		b.writeError(w, r, badClient("registration needs a transport (mTLS) client certificate that the bank trusts"))
		return
	}
	if e := b.authorizeRegistration(r, d); e != nil {
		b.writeError(w, r, e)
		return
	}
	overlapped := false
	if b.has("register-500-under-load") {
		overlapped = b.registering.Add(1) > 1
		defer b.registering.Add(-1)
		holdRegistration(r)
		overlapped = overlapped || b.registering.Load() > 1
	}
	req, e := b.readRegistrationRequest(w, r, d)
	if e != nil {
		b.writeError(w, r, e)
		return
	}
	reg, e := b.validateRegistration(r.Context(), d, req, cert, nil, b.issuerFor(r))
	if e != nil {
		b.writeError(w, r, e)
		return
	}
	var creds credentials
	if d.issuesSecret || slices.Contains(secretMethods, reg.authMethod) {
		creds.secret = randomSecret()
		if b.has("rfc7591-derived-client-secret") {
			creds.secret = derivedSecret(reg)
		}
	}
	creds.id = b.issueClientID(d)
	if d.registrationToken {
		creds.regToken = b.newRegistrationToken()
	}
	rules := b.commitRules()
	if d.ssa == "cdr" {
		rules.duplicateCode = b.cfg.Choices.DuplicateError
		rules.overwriteDuplicate = b.has("cdr-duplicate-post-updates")
	}
	var c *client
	switch {
	case b.has("register-client-id-race"):
		c, e = b.store.registerCountedID(reg, b.now(), rules, creds, func() { holdFor(r.Context(), raceWindow) })
	case b.has("register-check-then-insert"):
		c, e = b.store.checkThenRegister(reg, b.now(), rules, creds, func() { holdFor(r.Context(), raceWindow) })
	default:
		c, e = b.store.register(reg, b.now(), rules, creds)
	}
	if e != nil {
		b.writeError(w, r, e)
		return
	}
	b.logger.Info("client registered", "profile", d.name, "client_id", c.id, "software_id", reg.softwareID)
	if overlapped { // stored, but the answer fails: the client is left behind
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": errServerError,
			"error_description": "another registration was in flight", "client_id": c.id})
		return
	}

	body := b.clientInfo(r, d, c, opCreate)
	if b.has("echo-wrong-metadata") {
		body["redirect_uris"] = []string{"https://wrong.invalid/redirect"}
	}
	if reg.authMethod == "private_key_jwt" && b.has("client-secret-for-pkjwt") {
		body["client_secret"] = randomID()
		body["client_secret_expires_at"] = 0
	}
	status := http.StatusCreated
	if b.has("status-200-on-register") {
		status = http.StatusOK
	}
	if b.has("registration-response-cacheable") {
		writeCacheableJSON(w, status, body)
		return
	}
	writeJSON(w, status, body)
}

// registrationHold is how long the defect register-500-under-load keeps each registration in flight, so
// that registrations sent at once overlap.
const registrationHold = 50 * time.Millisecond

// raceWindow is how long the defects that check, then act, wait between the two: requests sent at
// once all pass the check before any acts.
const raceWindow = 250 * time.Millisecond

// holdRegistration waits registrationHold, or until the request is abandoned.
func holdRegistration(r *http.Request) { holdFor(r.Context(), registrationHold) }

// holdFor waits d, or until the request is abandoned.
func holdFor(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// commitRules are the checks made as a registration is stored.
func (b *Bank) commitRules() commitRules {
	return commitRules{checkReplay: !b.has("allow-jti-replay"), checkDuplicate: !b.has("allow-duplicate-registration")}
}

// validateRegistration runs every check of a registration request. existing is the client being
// updated by a PUT, nil on POST.
func (b *Bank) validateRegistration(ctx context.Context, d *dialect, req *registrationRequest, cert *x509.Certificate,
	existing *client, issuer string) (registration, *apiError) {
	skipRedirect := existing != nil && b.has("put-skip-validation-redirect")
	if d.ssa == "" {
		reg, e := b.checkPlainMetadata(d, req.claims, skipRedirect)
		reg.profile = d.name
		return reg, e
	}
	verifyAlgs, e := b.requestAlgs(req)
	if e != nil {
		return registration{}, e
	}
	ssaToken, ok := req.claims.str("software_statement")
	if (!ok || ssaToken == "") && existing != nil && b.has("put-reuse-stored-ssa") {
		ssaToken, ok = existing.reg.metadata["software_statement"].(string)
	}
	if (!ok || ssaToken == "") && existing == nil && cert != nil && b.has("ssa-from-earlier-registration") {
		ssaToken = b.store.earlierSSA(cert.Subject.CommonName)
		ok = ssaToken != ""
	}
	if !ok || ssaToken == "" {
		return registration{}, badSSA("software_statement is required")
	}
	ssa, e := b.verifySSA(ctx, d, ssaToken)
	if e != nil {
		return registration{}, e
	}
	info, e := b.checkSSA(d, ssa)
	if e != nil {
		return registration{}, e
	}
	if existing != nil && info.softwareID != existing.reg.softwareID && !b.has("put-allow-software-id-change") {
		return registration{}, badMetadata("software_id %q cannot change to %q", existing.reg.softwareID, info.softwareID)
	}
	// The transport certificate must belong to the software: the one registering, or the one that
	// owns the registration being updated.
	owner := info.softwareID
	if existing != nil {
		owner = existing.reg.softwareID
	}
	if cert != nil && cert.Subject.CommonName != owner && !b.has("accept-other-software-cert") {
		return registration{}, badMetadata("the transport certificate (CN %q) is the certificate of another software than %q",
			cert.Subject.CommonName, owner)
	}
	skipSignature := b.has("skip-request-signature") || (existing != nil && b.has("put-skip-signature"))
	if len(verifyAlgs) > 0 && !skipSignature {
		if e := b.verifyRequestSignature(ctx, req.raw, info, verifyAlgs); e != nil {
			return registration{}, e
		}
	}
	var jti string
	var until time.Time
	if !d.jsonBody { // a JSON body (Identity Server) is not a JWT: its iss, aud and lifetime prove nothing
		if jti, until, e = b.checkRequestClaims(req.claims, info, issuer); e != nil {
			return registration{}, e
		}
	}
	var requestedID any // set by the defect ignore-software-id-mismatch: the request's software_id is registered
	if id, present := req.claims["software_id"]; present && id != info.softwareID {
		if !b.has("ignore-software-id-mismatch") {
			return registration{}, badMetadata("software_id %v is not the SSA software_id %q", id, info.softwareID)
		}
		requestedID = id
	}
	// Defects of PUT: a member the bank does not support is checked as the stored value, and the
	// requested value is then stored.
	var unchecked []string
	if existing != nil && b.has("put-accept-unsupported-auth-method") {
		unchecked = append(unchecked, "token_endpoint_auth_method")
	}
	if existing != nil && b.has("put-accept-unsupported-signing-alg") {
		unchecked = append(unchecked, "token_endpoint_auth_signing_alg")
	}
	checked := req.claims
	if len(unchecked) > 0 {
		checked = maps.Clone(req.claims)
		for _, name := range unchecked {
			checked[name] = existing.reg.metadata[name]
		}
	}
	reg, e := b.checkMetadata(d, checked, info, cert, skipRedirect)
	if e != nil {
		return registration{}, e
	}
	for _, name := range unchecked {
		requested, _ := req.claims.str(name)
		reg.metadata[name] = requested
		if name == "token_endpoint_auth_method" {
			reg.authMethod = requested
		} else {
			reg.signingAlg = requested
		}
	}
	if requestedID != nil {
		reg.metadata["software_id"] = requestedID
	}
	reg.profile = d.name
	reg.requestIss, reg.requestJTI, reg.requestUntil = b.jtiScope(info.softwareID), jti, until
	return reg, nil
}

// requestAlgs checks the request JWT's alg and returns the algs to verify it with: none for a
// request the bank (by defect) takes unverified.
func (b *Bank) requestAlgs(req *registrationRequest) ([]jose.SignatureAlgorithm, *apiError) {
	if req.raw == "" { // an unsigned JSON body, accepted only by defect
		return nil, nil
	}
	switch req.alg {
	case "PS256", "ES256":
		return []jose.SignatureAlgorithm{jose.SignatureAlgorithm(req.alg)}, nil
	case "RS256":
		if b.has("accept-request-rs256") {
			return []jose.SignatureAlgorithm{jose.RS256}, nil
		}
	case "none":
		if b.has("accept-request-alg-none") {
			return nil, nil
		}
	case "HS256":
		if b.has("accept-request-hs256") {
			return nil, nil
		}
	}
	return nil, badMetadata("request JWT alg %q is not allowed: use PS256 or ES256", req.alg)
}

// verifyRequestSignature checks the request JWT against the software's key set. A request signed by a
// key of the software's revoked key set (the OB Directory's way of revoking software) is unapproved.
func (b *Bank) verifyRequestSignature(ctx context.Context, token string, info ssaInfo, algs []jose.SignatureAlgorithm) *apiError {
	if b.has("request-header-jwk-trusted") && verifiesWithHeaderKey(token, algs) {
		return nil
	}
	if b.has("request-header-jku-trusted") && b.verifiesWithHeaderKeySet(ctx, token, algs) {
		return nil
	}
	if b.has("request-header-x5c-trusted") && verifiesWithHeaderCertificate(token, algs) {
		return nil
	}
	keySetURI := info.jwksURI
	if info.orgJWKSURI != "" && b.has("accept-org-key") {
		keySetURI = info.orgJWKSURI
	}
	set, err := b.fetchKeySet(ctx, keySetURI)
	if err != nil {
		b.logger.Info("cannot fetch a software key set", "url", keySetURI, "error", err)
		return badMetadata("cannot fetch the software key set at software_jwks_endpoint")
	}
	_, header, err := joseutil.Verify(token, set, algs)
	if err != nil && b.has("ignore-request-crit") && verifiesIgnoringCrit(token, set, algs) {
		return nil
	}
	if err != nil {
		acceptRevoked := b.has("accept-revoked-software")
		switch revoked := b.signedByRevokedKey(ctx, token, info, algs, acceptRevoked); {
		case revoked && acceptRevoked:
			return nil
		case revoked:
			return b.unapproved("the request JWT is signed by a key the directory has revoked (software_jwks_revoked_endpoint)")
		}
		return badMetadata("the request JWT does not verify against the software key set: %v", err)
	}
	if header.KeyID == "" && b.cfg.Choices.RequireKID {
		return badMetadata("the request JWT needs a kid header naming the key of the software key set")
	}
	return nil
}

// verifiesWithHeaderKey reports whether token verifies with the jwk of its own JOSE header (the key OBIE
// says must never be used: the defect request-header-jwk-trusted takes it).
func verifiesWithHeaderKey(token string, algs []jose.SignatureAlgorithm) bool {
	jws, err := jose.ParseSigned(strings.TrimSpace(token), algs)
	if err != nil || len(jws.Signatures) != 1 || jws.Signatures[0].Header.JSONWebKey == nil {
		return false
	}
	_, err = jws.Verify(jws.Signatures[0].Header.JSONWebKey)
	return err == nil
}

// verifiesWithHeaderCertificate reports whether token verifies with the key of the first certificate of its
// own x5c header, the chain left unvalidated (RFC 7515 section 4.1.6 has a recipient that uses x5c validate
// it as RFC 5280 says; the defect request-header-x5c-trusted takes the key as it comes).
func verifiesWithHeaderCertificate(token string, algs []jose.SignatureAlgorithm) bool {
	header, _, err := joseutil.Decode(token)
	chain, _ := header["x5c"].([]any)
	if err != nil || len(chain) == 0 {
		return false
	}
	first, _ := chain[0].(string)
	der, err := base64.StdEncoding.DecodeString(first)
	if err != nil {
		return false
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return false
	}
	jws, err := jose.ParseSigned(strings.TrimSpace(token), algs)
	if err != nil || len(jws.Signatures) != 1 {
		return false
	}
	_, err = jws.Verify(cert.PublicKey)
	return err == nil
}

// verifiesWithHeaderKeySet reports whether token verifies against the key set at the jku URL of its own
// JOSE header (a URL OBIE says must never be used: the defect request-header-jku-trusted fetches it).
func (b *Bank) verifiesWithHeaderKeySet(ctx context.Context, token string, algs []jose.SignatureAlgorithm) bool {
	header, _, err := joseutil.Decode(token)
	jku, _ := header["jku"].(string)
	if err != nil || jku == "" {
		return false
	}
	set, err := b.fetchKeySet(ctx, jku)
	if err != nil {
		return false
	}
	_, _, err = joseutil.Verify(token, set, algs)
	return err == nil
}

// signedByRevokedKey reports whether token verifies against the software's revoked key set. A bank of
// the choice LiveKeysOnly never reads that set, unless by defect (acceptRevoked) it takes revoked keys.
func (b *Bank) signedByRevokedKey(ctx context.Context, token string, info ssaInfo, algs []jose.SignatureAlgorithm, acceptRevoked bool) bool {
	if info.revokedURI == "" || (b.cfg.Choices.LiveKeysOnly && !acceptRevoked) {
		return false
	}
	set, err := b.fetchKeySet(ctx, info.revokedURI)
	if err != nil {
		b.logger.Info("cannot fetch a software's revoked key set", "url", info.revokedURI, "error", err)
		return false
	}
	_, _, err = joseutil.Verify(token, set, algs)
	return err == nil
}

// checkRequestClaims checks iss, aud, exp, iat, nbf, jti and software_id of a registration request and
// returns its jti and until when it must be remembered.
func (b *Bank) checkRequestClaims(c claims, info ssaInfo, issuer string) (jti string, until time.Time, e *apiError) {
	now := b.now()
	if iss, present := c["iss"]; !present {
		if !b.has("accept-missing-iss") {
			return "", until, badMetadata("iss is required: the software_id")
		}
	} else if iss != info.softwareID && !b.has("ignore-iss-mismatch") {
		return "", until, badMetadata("iss %v is not the SSA software_id %q", iss, info.softwareID)
	}

	if !c.has("aud") {
		if !b.has("accept-missing-aud") {
			return "", until, badMetadata("aud is required: the bank's issuer %q", issuer)
		}
	} else if !c.audience(issuer) && !b.has("ignore-aud") {
		return "", until, badMetadata("aud %v does not name this bank (%q)", c["aud"], issuer)
	}

	until = now.Add(24 * time.Hour) // how long to remember a jti of a request without exp
	if !c.has("exp") {
		if !b.has("accept-missing-exp") {
			return "", until, badMetadata("exp is required")
		}
	} else {
		exp, err := c.time("exp")
		if err != nil {
			return "", until, badMetadata("%v", err)
		}
		if !exp.After(now) && !b.has("ignore-request-exp") {
			return "", until, badMetadata("the request expired at %s", exp.UTC().Format(timeFormat))
		}
		until = exp
	}

	if !c.has("iat") {
		if !b.has("accept-missing-iat") {
			return "", until, badMetadata("iat is required")
		}
	} else {
		iat, err := c.time("iat")
		if err != nil {
			return "", until, badMetadata("%v", err)
		}
		if iat.After(now.Add(clockSkew)) && !b.has("ignore-request-iat-future") {
			return "", until, badMetadata("iat %s is in the future", iat.UTC().Format(timeFormat))
		}
	}

	if c.has("nbf") { // optional; when present, the request is not to be accepted before it (RFC 7519 4.1.5)
		nbf, err := c.time("nbf")
		if err != nil {
			return "", until, badMetadata("%v", err)
		}
		if nbf.After(now.Add(clockSkew)) && !b.has("ignore-request-nbf") {
			return "", until, badMetadata("the request is not valid before %s (nbf)", nbf.UTC().Format(timeFormat))
		}
	}

	if !c.has("jti") {
		if !b.has("accept-missing-jti") {
			return "", until, badMetadata("jti is required")
		}
	} else if s, ok := c.str("jti"); !ok || s == "" {
		return "", until, badMetadata("jti must be a non-empty string")
	} else {
		jti = s
	}
	return jti, until, nil
}

// newRegistrationToken is a new RFC 7592 registration access token: 256 random bits, or, the defect
// rfc7592-guessable-registration-token, the next number of a counter (8 hex digits after "rat-").
func (b *Bank) newRegistrationToken() string {
	if b.has("rfc7592-guessable-registration-token") {
		return fmt.Sprintf("rat-%08x", b.regTokenSeq.Add(1))
	}
	return randomID() + randomID()
}

// derivedSecret is the defect rfc7591-derived-client-secret's client_secret: a hash of what the
// client registered, so that every client registering the same metadata gets the same secret.
func derivedSecret(reg registration) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%v|%v", reg.softwareID, reg.metadata["client_name"], reg.metadata["redirect_uris"], reg.metadata["grant_types"]))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
