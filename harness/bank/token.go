package bank

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
)

const (
	jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	tokenLifetime          = time.Hour
	maxFormBody            = 64 << 10
)

// anyAsymmetricAlg is what the token-accept-any-alg defect verifies assertions with.
var anyAsymmetricAlg = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

// serveToken handles POST /oauth2/token for the client_credentials grant, authenticating clients
// by private_key_jwt (RFC 7523) or tls_client_auth (RFC 8705) and binding tokens to the certificate.
func (b *Bank) serveToken(w http.ResponseWriter, r *http.Request) {
	cert := b.clientCert(r) // required for the clients of mTLS profiles (authenticateClient)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		b.writeError(w, r, newError(http.StatusBadRequest, errInvalidRequest, "the body must be an application/x-www-form-urlencoded form"))
		return
	}
	form := r.PostForm
	switch grant := form.Get("grant_type"); grant {
	case "client_credentials":
	case "":
		b.writeError(w, r, newError(http.StatusBadRequest, errInvalidRequest, "grant_type is required"))
		return
	default:
		code := errUnsupportedGrantType
		if b.has("token-unsupported-grant-invalid-request") {
			code = errInvalidRequest
		}
		b.writeError(w, r, newError(http.StatusBadRequest, code, "grant_type %q is not supported here: use client_credentials", grant))
		return
	}
	creds := clientCredentials(r, form)
	// RFC 7521 section 4.2.1: a client assertion beside a client_secret (form or HTTP Basic) is more than
	// one authentication mechanism, refused with invalid_client.
	if form.Get("client_assertion") != "" && (creds.basic || form.Get("client_secret") != "") && !b.has("token-ignore-second-client-auth") {
		e := badClient("a client_assertion and a client_secret: use one client authentication mechanism")
		e.basic = creds.basic
		b.writeError(w, r, e)
		return
	}
	c, e := b.authenticateClient(r.Context(), creds, form.Get("client_assertion_type"),
		form.Get("client_assertion"), cert, b.issuerFor(r))
	if e != nil {
		// RFC 6749 section 5.2: credentials sent in the Authorization header are refused with 401 and a
		// WWW-Authenticate challenge of their scheme.
		if creds.basic && e.status == http.StatusUnauthorized && !b.has("basic-401-without-challenge") {
			e.basic = true
		}
		b.writeError(w, r, e)
		return
	}
	if !slices.Contains(c.reg.grantTypes, "client_credentials") {
		b.writeError(w, r, newError(http.StatusBadRequest, errUnauthorizedClient, "the client is not registered for client_credentials"))
		return
	}
	scope := strings.Join(c.reg.scopes, " ")
	if requested := strings.Fields(form.Get("scope")); len(requested) > 0 {
		for _, s := range requested {
			if !slices.Contains(c.reg.scopes, s) {
				b.writeError(w, r, newError(http.StatusBadRequest, errInvalidScope, "scope %q is not registered for the client", s))
				return
			}
		}
		scope = strings.Join(requested, " ")
	}
	tok := accessToken{clientID: c.id, scope: scope, expiresAt: b.now().Add(tokenLifetime)}
	if cert != nil && !b.has("token-unbound") && !b.cfg.Choices.UnboundTokens {
		tok.thumbprint = pki.Thumbprint(cert)
	}
	checkLive := !c.deleted              // deleted already: token-for-deleted-client let it through
	if b.has("token-check-then-issue") { // authenticated, a window, then issued without looking again
		holdFor(r.Context(), raceWindow)
		checkLive = false
	}
	value := b.store.issueToken(tok, checkLive)
	if value == "" {
		b.writeError(w, r, badClient("the client has been deleted"))
		return
	}
	b.logger.Info("access token issued", "client_id", c.id)
	body := map[string]any{
		"access_token": value,
		"token_type":   "Bearer",
		"expires_in":   int(tokenLifetime / time.Second),
		"scope":        scope,
	}
	if b.has("token-response-without-expires-in") {
		delete(body, "expires_in")
	}
	if b.has("token-response-cacheable") {
		writeCacheableJSON(w, http.StatusOK, body)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// secretCredentials are a client_id and client_secret as a token request carries them: HTTP Basic
// (client_secret_basic, RFC 6749 section 2.3.1) or form fields (client_secret_post).
type secretCredentials struct {
	clientID, secret string
	basic            bool
}

func clientCredentials(r *http.Request, form url.Values) secretCredentials {
	if user, pass, ok := r.BasicAuth(); ok {
		id, err1 := url.QueryUnescape(user)
		secret, err2 := url.QueryUnescape(pass)
		if err1 == nil && err2 == nil {
			return secretCredentials{clientID: id, secret: secret, basic: true}
		}
	}
	return secretCredentials{clientID: form.Get("client_id"), secret: form.Get("client_secret")}
}

// authenticateClient finds the client (by client_id or the assertion's iss) and authenticates it
// by its registered method over the presented certificate.
func (b *Bank) authenticateClient(ctx context.Context, creds secretCredentials, assertionType, assertion string,
	cert *x509.Certificate, issuer string) (*client, *apiError) {
	clientID := creds.clientID
	if assertion != "" && b.has("token-client-from-assertion") {
		clientID = "" // the form's client_id is not compared with the assertion: the assertion's iss picks the client
	}
	if assertion != "" {
		// The client identified twice: the form's client_id and the assertion's iss must name the same
		// client (RFC 7523 3), a mismatch answered invalid_client (FAPI 1.0 Part 1 5.2.2 (19)).
		if _, payload, err := joseutil.Decode(assertion); err == nil {
			iss, _ := payload["iss"].(string)
			switch {
			case clientID == "":
				clientID = iss
			case iss != clientID && !b.has("token-ignore-iss-mismatch") &&
				!(b.has("token-iss-case-insensitive") && strings.EqualFold(iss, clientID)):
				if b.has("token-client-mismatch-invalid-request") {
					return nil, newError(http.StatusBadRequest, errInvalidRequest, "client_id %q is not the client_assertion's iss", clientID)
				}
				return nil, badClient("client_id %q is not the client_assertion's iss", clientID)
			}
		}
	}
	if clientID == "" {
		return nil, badClient("the client is not identified: send client_id or a client_assertion")
	}
	c := b.store.client(clientID)
	if c == nil {
		return nil, badClient("unknown client")
	}
	if c.deleted && !b.has("token-for-deleted-client") {
		return nil, badClient("the client has been deleted")
	}
	certOptional := b.has("token-cert-optional") // the certificate checked only when one is presented
	if d := dialectNamed(c.reg.profile); d != nil && d.mtls && cert == nil && !certOptional {
		return nil, badClient("the token endpoint needs a transport (mTLS) client certificate that the bank trusts")
	}
	switch c.reg.authMethod {
	case "private_key_jwt":
		if cert != nil && cert.Subject.CommonName != c.reg.softwareID {
			return nil, badClient("the transport certificate (CN %q) is not one of the client's software", cert.Subject.CommonName)
		}
		if assertion == "" && assertionType == "" && cert != nil && b.has("token-accept-cert-for-jwt-client") {
			break // authenticated by the transport certificate alone, as if registered for tls_client_auth
		}
		if assertionType != jwtBearerAssertionType && !b.has("token-accept-missing-assertion-type") {
			return nil, newError(http.StatusBadRequest, errInvalidRequest, "client_assertion_type must be %s", jwtBearerAssertionType)
		}
		if e := b.checkAssertion(ctx, assertion, c, issuer); e != nil {
			return nil, e
		}
	case "tls_client_auth":
		// The registered subject includes CN=<software_id>, so this also ties the certificate to the software.
		matches := cert != nil && (sameDN(c.reg.subjectDN, cert.Subject.String()) || c.reg.ignoreDN && cert.Subject.CommonName == c.reg.softwareID)
		if cert == nil && !certOptional || cert != nil && !matches && !b.has("token-accept-other-cert-tls-auth") {
			return nil, badClient("the certificate subject is not the client's tls_client_auth_subject_dn")
		}
	case "client_secret_basic", "client_secret_post":
		if creds.basic != (c.reg.authMethod == "client_secret_basic") {
			return nil, badClient("the client authenticates with %s", c.reg.authMethod)
		}
		if !equalSecret(creds.secret, c.secret) && !b.has("token-accept-wrong-secret") {
			return nil, badClient("the client_secret is not the client's")
		}
	default:
		return nil, badClient("the client's token_endpoint_auth_method is not supported")
	}
	return c, nil
}

// clientKeySet is the key set a client's assertions verify against: its own jwks member (plain RFC 7591),
// else its software's key set.
func (b *Bank) clientKeySet(ctx context.Context, c *client) (jose.JSONWebKeySet, error) {
	if len(c.reg.jwks) > 0 {
		return parseKeySet(c.reg.jwks)
	}
	return b.fetchKeySet(ctx, c.reg.jwksURI)
}

// checkAssertion verifies a private_key_jwt client assertion (RFC 7523 §3).
func (b *Bank) checkAssertion(ctx context.Context, assertion string, c *client, issuer string) *apiError {
	if assertion == "" {
		return badClient("client_assertion is required for private_key_jwt")
	}
	if strings.Count(assertion, ".") != 2 && b.has("token-500-on-malformed-assertion") {
		return newError(http.StatusInternalServerError, errServerError, "cannot parse the client assertion")
	}
	algs := []jose.SignatureAlgorithm{jose.PS256, jose.ES256}
	if c.reg.signingAlg != "" {
		algs = []jose.SignatureAlgorithm{jose.SignatureAlgorithm(c.reg.signingAlg)}
	}
	if b.has("token-accept-any-alg") {
		algs = anyAsymmetricAlg
	}
	var ac claims
	if b.has("token-accept-wrong-key") {
		jws, err := jose.ParseSigned(strings.TrimSpace(assertion), algs)
		if err != nil {
			return badClient("client_assertion is not a JWS signed with %v", algs)
		}
		d := json.NewDecoder(bytes.NewReader(jws.UnsafePayloadWithoutVerification()))
		d.UseNumber()
		if err := d.Decode(&ac); err != nil || ac == nil {
			return badClient("client_assertion claims are not a JSON object")
		}
	} else {
		set, err := b.clientKeySet(ctx, c)
		if err != nil {
			b.logger.Info("cannot fetch a software key set", "url", c.reg.jwksURI, "error", err)
			return badClient("cannot fetch the client's key set")
		}
		verified, header, err := joseutil.Verify(assertion, set, algs)
		if err != nil {
			return badClient("client_assertion does not verify against the client's key set with %v: %v", algs, err)
		}
		if header.KeyID == "" && b.cfg.Choices.RequireKID {
			return badClient("client_assertion needs a kid header naming the key of the client's key set")
		}
		ac = verified
	}

	now := b.now()
	if b.has("token-refuse-unknown-assertion-claims") {
		for name := range ac {
			if !slices.Contains(assertionClaims, name) {
				return badClient("client_assertion carries a claim this server does not know: %s", name)
			}
		}
	}
	// iss is the client_id: authenticateClient compared them before choosing the client.
	if sub, _ := ac.str("sub"); sub != c.id && !b.has("token-ignore-sub-mismatch") {
		return badClient("client_assertion sub is not the client_id")
	}
	auds := []string{issuer + tokenPath, issuer}
	switch {
	case c.reg.profile == ProfileCDR: // the CDR standards: the issuer, the token endpoint (the endpoint invoked), both taken
		if b.has("cdr-assertion-aud-issuer-only") {
			auds = auds[1:]
		}
	case b.cfg.Choices.AssertionAudience == "token-endpoint":
		auds = auds[:1]
	case b.cfg.Choices.AssertionAudience == "issuer":
		auds = auds[1:]
	}
	if !ac.audience(auds...) && !b.has("token-ignore-aud") && !(b.has("token-aud-any-url-on-host") && audienceOnHost(ac, issuer)) {
		return badClient("client_assertion aud must name this server: %q", auds)
	}
	exp, err := ac.time("exp")
	switch {
	case err == nil:
	case !ac.has("exp") && b.has("token-accept-assertion-without-exp"):
		exp = now.Add(tokenLifetime) // taken as never expiring; the jti is kept an hour
	default:
		return badClient("client_assertion needs exp: %v", err)
	}
	if !exp.After(now) && !b.has("token-accept-expired-assertion") {
		return badClient("client_assertion expired at %s", exp.UTC().Format(timeFormat))
	}
	if ac.has("nbf") {
		nbf, err := ac.time("nbf")
		if err != nil {
			return badClient("client_assertion nbf: %v", err)
		}
		if nbf.After(now.Add(clockSkew)) && !b.has("token-ignore-assertion-nbf") {
			return badClient("client_assertion is not valid before %s", nbf.UTC().Format(timeFormat))
		}
	}
	jti, _ := ac.str("jti")
	if jti == "" && !b.has("token-accept-assertion-without-jti") {
		return badClient("client_assertion needs a jti")
	}
	until := exp
	if until.Before(now) {
		until = now.Add(tokenLifetime)
	}
	key := "assertion|" + b.jtiScope(c.id) + "|" + jti
	if b.has("token-jti-check-then-use") { // checked, then a window, then recorded: not atomic
		if b.store.seenJTI(key, now) {
			return badClient("client_assertion jti has been used before")
		}
		holdFor(ctx, raceWindow)
		b.store.useJTI(key, until, now)
		return nil
	}
	if replayed := b.store.useJTI(key, until, now); replayed && !b.has("token-allow-assertion-replay") {
		return badClient("client_assertion jti has been used before")
	}
	return nil
}

// assertionClaims are the claims RFC 7519 registers, which a client assertion may carry (RFC 7523
// section 3, OpenID Connect Core section 9): the defect token-refuse-unknown-assertion-claims refuses any
// other.
var assertionClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

// audienceOnHost reports whether an aud value is a URL on the issuer's host (the defect
// token-aud-any-url-on-host takes any such URL for the token endpoint).
func audienceOnHost(ac claims, issuer string) bool {
	iss, err := url.Parse(issuer)
	if err != nil {
		return false
	}
	for _, a := range ac.audiences() {
		if u, err := url.Parse(a); err == nil && u.Scheme == iss.Scheme && u.Host == iss.Host {
			return true
		}
	}
	return false
}
