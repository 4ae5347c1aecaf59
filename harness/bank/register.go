package bank

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

const (
	clockSkew  = 60 * time.Second // tolerated for iat in the future
	timeFormat = time.RFC3339
)

// serveRegister handles POST /register: RFC 7591 §3 with the UK OBIE DCR 3.3 rules.
func (b *Bank) serveRegister(w http.ResponseWriter, r *http.Request) {
	cert := b.clientCert(r)
	if cert == nil && !b.has("no-mtls-register") {
		b.writeError(w, r, badClient("registration needs a transport (mTLS) client certificate that the bank trusts"))
		return
	}
	req, e := b.readRegistrationRequest(w, r)
	if e != nil {
		b.writeError(w, r, e)
		return
	}
	reg, e := b.validateRegistration(r.Context(), req, cert, nil, b.issuerFor(r))
	if e != nil {
		b.writeError(w, r, e)
		return
	}
	c, e := b.store.register(reg, b.now(), b.commitRules())
	if e != nil {
		b.writeError(w, r, e)
		return
	}
	b.logger.Info("client registered", "client_id", c.id, "software_id", reg.softwareID)

	body := c.response()
	if b.has("register-omits-client-id-issued-at") {
		delete(body, "client_id_issued_at")
	}
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
	writeJSON(w, status, body)
}

// commitRules are the checks made as a registration is stored.
func (b *Bank) commitRules() commitRules {
	return commitRules{checkReplay: !b.has("allow-jti-replay"), checkDuplicate: !b.has("allow-duplicate-registration")}
}

// validateRegistration runs every check of a registration request. existing is the client being
// updated by a PUT, nil on POST.
func (b *Bank) validateRegistration(ctx context.Context, req *registrationRequest, cert *x509.Certificate,
	existing *client, issuer string) (registration, *apiError) {
	verifyAlgs, e := b.requestAlgs(req)
	if e != nil {
		return registration{}, e
	}
	ssaToken, ok := req.claims.str("software_statement")
	if !ok || ssaToken == "" {
		return registration{}, badSSA("software_statement is required")
	}
	ssa, e := b.verifySSA(ctx, ssaToken)
	if e != nil {
		return registration{}, e
	}
	info, e := b.checkSSA(ssa)
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
		if e := b.verifyRequestSignature(ctx, req.raw, info.jwksURI, verifyAlgs); e != nil {
			return registration{}, e
		}
	}
	jti, until, e := b.checkRequestClaims(req.claims, info, issuer)
	if e != nil {
		return registration{}, e
	}
	reg, e := b.checkMetadata(req.claims, info, cert, existing != nil)
	if e != nil {
		return registration{}, e
	}
	reg.requestIss, reg.requestJTI, reg.requestUntil = info.softwareID, jti, until
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

// verifyRequestSignature checks the request JWT against the software's key set.
func (b *Bank) verifyRequestSignature(ctx context.Context, token, jwksURI string, algs []jose.SignatureAlgorithm) *apiError {
	set, err := b.fetchKeySet(ctx, jwksURI)
	if err != nil {
		b.logger.Info("cannot fetch a software key set", "url", jwksURI, "error", err)
		return badMetadata("cannot fetch the software key set at software_jwks_endpoint")
	}
	if _, _, err := joseutil.Verify(token, set, algs); err != nil {
		return badMetadata("the request JWT does not verify against the software key set: %v", err)
	}
	return nil
}

// checkRequestClaims checks iss, aud, exp, iat, jti and software_id of a registration request and
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

	if !c.has("jti") {
		if !b.has("accept-missing-jti") {
			return "", until, badMetadata("jti is required")
		}
	} else if s, ok := c.str("jti"); !ok || s == "" {
		return "", until, badMetadata("jti must be a non-empty string")
	} else {
		jti = s
	}

	if id, present := c["software_id"]; present && id != info.softwareID {
		return "", until, badMetadata("software_id %v is not the SSA software_id %q", id, info.softwareID)
	}
	return jti, until, nil
}

// Supported values of client metadata.
var (
	supportedGrantTypes    = []string{"authorization_code", "client_credentials", "refresh_token"}
	supportedResponseTypes = []string{"code", "code id_token"}
	roleScopes             = map[string]string{"AISP": "accounts", "PISP": "payments", "CBPII": "fundsconfirmations"}
)

// echoedMetadata are the request claims stored and answered back as the client's metadata.
var echoedMetadata = []string{
	"redirect_uris", "token_endpoint_auth_method", "token_endpoint_auth_signing_alg", "grant_types",
	"response_types", "application_type", "id_token_signed_response_alg", "request_object_signing_alg",
	"scope", "software_id", "software_statement", "tls_client_auth_subject_dn",
	"tls_client_certificate_bound_access_tokens",
}

// checkMetadata checks the client metadata of a registration request against the SSA, the
// transport certificate and the bank's policy.
func (b *Bank) checkMetadata(c claims, info ssaInfo, cert *x509.Certificate, update bool) (registration, *apiError) {
	reg := registration{softwareID: info.softwareID, jwksURI: info.jwksURI, metadata: map[string]any{}}
	if e := b.checkRedirectURIs(c, info, update); e != nil {
		return reg, e
	}

	method, _ := c.str("token_endpoint_auth_method")
	if method != "private_key_jwt" && method != "tls_client_auth" && !b.has("accept-unsupported-auth-method") {
		return reg, badMetadata("token_endpoint_auth_method %v is not supported: use private_key_jwt or tls_client_auth",
			c["token_endpoint_auth_method"])
	}
	reg.authMethod = method
	if alg, present := c["token_endpoint_auth_signing_alg"]; present {
		s, ok := alg.(string)
		if !ok || !slices.Contains(signingAlgs, s) {
			return reg, badMetadata("token_endpoint_auth_signing_alg %v is not supported: use PS256 or ES256", alg)
		}
		reg.signingAlg = s
	} else if method == "private_key_jwt" && !b.has("accept-missing-signing-alg") {
		return reg, badMetadata("private_key_jwt needs token_endpoint_auth_signing_alg")
	}
	if method == "tls_client_auth" {
		dn, ok := c.str("tls_client_auth_subject_dn")
		if !ok || strings.TrimSpace(dn) == "" {
			return reg, badMetadata("tls_client_auth needs tls_client_auth_subject_dn")
		}
		if cert != nil && !sameDN(dn, cert.Subject.String()) && !b.has("ignore-tls-subject-dn") {
			return reg, badMetadata("tls_client_auth_subject_dn %q is not the transport certificate's subject %q",
				dn, cert.Subject.String())
		}
		reg.subjectDN = dn
	}

	reg.grantTypes = []string{"authorization_code"}
	if c.has("grant_types") {
		grants, err := c.strings("grant_types")
		if err != nil || len(grants) == 0 {
			return reg, badMetadata("grant_types must be a non-empty array of strings")
		}
		for _, g := range grants {
			if !slices.Contains(supportedGrantTypes, g) && !b.has("accept-unsupported-grant-type") {
				return reg, badMetadata("grant type %q is not supported", g)
			}
		}
		reg.grantTypes = grants
	}
	reg.metadata["grant_types"] = reg.grantTypes

	reg.metadata["response_types"] = []string{"code"}
	if c.has("response_types") {
		types, err := c.strings("response_types")
		if err != nil || len(types) == 0 {
			return reg, badMetadata("response_types must be a non-empty array of strings")
		}
		for _, t := range types {
			if !slices.Contains(supportedResponseTypes, normaliseResponseType(t)) && !b.has("accept-unsupported-response-type") {
				return reg, badMetadata("response type %q is not supported", t)
			}
		}
	}

	if appType, present := c["application_type"]; present && appType != "web" && !b.has("accept-bad-application-type") {
		return reg, badMetadata("application_type %v is not supported: use web", appType)
	}
	for _, name := range []string{"id_token_signed_response_alg", "request_object_signing_alg"} {
		if alg, present := c[name]; present {
			if s, ok := alg.(string); !ok || !slices.Contains(signingAlgs, s) {
				return reg, badMetadata("%s %v is not supported: use PS256 or ES256", name, alg)
			}
		}
	}
	if v, present := c["tls_client_certificate_bound_access_tokens"]; present {
		if _, ok := v.(bool); !ok {
			return reg, badMetadata("tls_client_certificate_bound_access_tokens must be a boolean")
		}
	}

	scopes, e := b.checkScope(c, info)
	if e != nil {
		return reg, e
	}
	reg.scopes = scopes

	for _, name := range echoedMetadata {
		if v, present := c[name]; present {
			reg.metadata[name] = v
		}
	}
	reg.metadata["software_id"] = info.softwareID
	return reg, nil
}

// checkRedirectURIs checks that redirect_uris are https URIs listed in the SSA.
func (b *Bank) checkRedirectURIs(c claims, info ssaInfo, update bool) *apiError {
	uris, err := c.strings("redirect_uris")
	if err != nil || len(uris) == 0 {
		return b.badRedirect("redirect_uris is required: a non-empty array of https URIs from the SSA")
	}
	if update && b.has("put-skip-validation-redirect") {
		return nil
	}
	for _, u := range uris {
		parsed, err := url.Parse(u)
		if err != nil || !parsed.IsAbs() || parsed.Host == "" {
			return b.badRedirect("redirect URI %q is not an absolute URI", u)
		}
		if parsed.Scheme != "https" && !b.has("allow-http-redirect") {
			return b.badRedirect("redirect URI %q does not use https", u)
		}
		if !slices.Contains(info.redirectURIs, u) && !b.has("ignore-redirect-subset") {
			return b.badRedirect("redirect URI %q is not among the SSA's software_redirect_uris", u)
		}
	}
	return nil
}

// checkScope checks the requested scope against the SSA's roles and returns the scopes the
// client's tokens may carry: those asked for, or every scope its roles allow.
func (b *Bank) checkScope(c claims, info ssaInfo) ([]string, *apiError) {
	allowed := []string{"openid"}
	for _, role := range info.roles {
		if s, ok := roleScopes[role]; ok && !slices.Contains(allowed, s) {
			allowed = append(allowed, s)
		}
	}
	if !c.has("scope") {
		return allowed, nil
	}
	scope, ok := c.str("scope")
	if !ok {
		return nil, badMetadata("scope must be a space-separated string")
	}
	requested := strings.Fields(scope)
	for _, s := range requested {
		if !slices.Contains(allowed, s) && !b.has("ignore-scope-roles") {
			return nil, badMetadata("scope %q is not allowed for software roles %v", s, info.roles)
		}
	}
	return requested, nil
}

// normaliseResponseType orders the words of a response type, so "id_token code" is "code id_token".
func normaliseResponseType(t string) string {
	words := strings.Fields(t)
	slices.Sort(words)
	return strings.Join(words, " ")
}
