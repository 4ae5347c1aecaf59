package bank

import (
	"crypto/x509"
	"net/http"
	"slices"
	"strings"

	"github.com/dcrconform/dcrconform/harness/pki"
)

// serveManage handles GET, PUT and DELETE of {registration endpoint}/{ClientId} (RFC 7592, UK OBIE DCR
// 3.3, CDR): authorised by a client_credentials access token of that client over the certificate it is
// bound to, or, for RFC 7592 profiles, by the client's registration access token.
func (b *Bank) serveManage(w http.ResponseWriter, r *http.Request, d *dialect, clientID string) {
	cert := b.clientCert(r)
	unbound := false // the defect manage-without-mtls: no certificate, so no binding to check
	if d.mtls && cert == nil {
		if !b.has("manage-without-mtls") {
			b.writeError(w, r, badClient("registration management needs a transport (mTLS) client certificate that the bank trusts"))
			return
		}
		unbound = true
	}
	if r.Method == http.MethodGet && b.has("get-after-delete-200") {
		if c := b.store.client(clientID); c != nil && c.deleted && c.reg.profile == d.name {
			writeJSON(w, http.StatusOK, b.clientInfo(r, d, c, opRead))
			return
		}
	}
	if r.Method == http.MethodDelete && b.has("repeat-delete-204") {
		if c := b.store.client(clientID); c != nil && c.deleted && c.reg.profile == d.name {
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	c, e := b.authorizeManagement(r, d, clientID, cert, unbound)
	if e != nil {
		if b.has("manage-acts-before-auth") {
			b.actAnyway(r, d, clientID, cert)
		}
		b.writeError(w, r, e)
		return
	}
	switch r.Method {
	case http.MethodGet:
		body := b.clientInfo(r, d, c, opRead)
		if d.registrationToken && b.cfg.Choices.RotateOnRead {
			if rotated := b.store.rotateRegToken(c.id); rotated != "" {
				body["registration_access_token"] = rotated
			}
		}
		writeJSON(w, http.StatusOK, body)
	case http.MethodPut:
		b.serveUpdate(w, r, d, c, cert)
	case http.MethodPatch:
		b.servePatch(w, r, d, c, cert)
	case http.MethodDelete:
		revive := b.has("tokens-revive-on-reregister")
		if revive {
			b.store.parkTokens(c.id, c.reg.softwareID)
		}
		b.store.delete(c.id, !revive && !b.has("delete-keeps-tokens"))
		b.logger.Info("client deleted", "profile", d.name, "client_id", c.id)
		status := http.StatusNoContent
		if b.has("delete-returns-200") {
			status = http.StatusOK
		}
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
	}
}

// authorizeManagement checks the Bearer token of a management request and returns the client it
// may act on. A token presented for a ClientId it was not issued to is revoked, as the UK spec says.
func (b *Bank) authorizeManagement(r *http.Request, d *dialect, clientID string, cert *x509.Certificate, unbound bool) (*client, *apiError) {
	// A deleted client stays a tombstone: only a token the bank failed to revoke can still reach it.
	c := b.store.client(clientID)
	if c != nil && c.reg.profile != d.name {
		c = nil
	}
	live := c != nil && !c.deleted
	authorization := r.Header.Get("Authorization")
	if authorization == "" && b.has("accept-no-token") {
		if live {
			return c, nil
		}
		return nil, badToken("unknown client")
	}
	value, ok := bearerToken(authorization)
	if !ok {
		e := badToken("an Authorization: Bearer access token is required")
		e.noCredentials = true
		return nil, e
	}
	otherClientOK := b.has("accept-other-client-token")
	if d.registrationToken {
		switch {
		case !live:
			return nil, b.unknownClient()
		case equalSecret(value, c.regToken), c.holdsOldRegToken(value):
			return c, nil
		case otherClientOK && b.store.clientByRegToken(value) != nil:
			return c, nil
		}
		return nil, badToken("the registration access token is not this client's")
	}
	tok, ok := b.store.token(value)
	if !ok && live && b.has("accept-unknown-token") {
		return c, nil
	}
	if !ok {
		return nil, badToken("the access token is unknown or revoked")
	}
	if !tok.expiresAt.After(b.now()) && !b.has("accept-expired-token") {
		return nil, badToken("the access token has expired")
	}
	if tok.thumbprint != "" && !unbound && (cert == nil || tok.thumbprint != pki.Thumbprint(cert)) {
		return nil, badToken("the access token is bound to another certificate")
	}
	if tok.clientID != clientID && c != nil && !otherClientOK && b.has("accept-sibling-token") {
		// The defect: a token of any client of the same organisation serves.
		if o := b.store.client(tok.clientID); o != nil && o.reg.orgID != "" && o.reg.orgID == c.reg.orgID {
			otherClientOK = true
		}
	}
	if c == nil || (tok.clientID != clientID && !otherClientOK) {
		if !b.has("no-revoke-on-unknown-client") {
			b.store.revokeToken(value)
		}
		if c == nil {
			return nil, b.unknownClient()
		}
		return nil, badToken("the access token was not issued to this client; it has been revoked")
	}
	if d.managementScope != "" && !hasScope(tok.scope, d.managementScope) && !b.has("cdr-ignore-registration-scope") {
		return nil, &apiError{status: http.StatusForbidden, code: errInsufficientScope, scope: d.managementScope,
			desc: "the access token lacks the scope " + d.managementScope}
	}
	return c, nil
}

// unknownClient is the answer for a ClientId the bank does not know (RFC 7592 section 2.1: 401).
func (b *Bank) unknownClient() *apiError {
	if b.has("unknown-client-404") {
		return newError(http.StatusNotFound, "not_found", "no such client")
	}
	return badToken("the access token was not issued to this client; it has been revoked")
}

// serveUpdate handles PUT: a full registration request, validated as on POST, replacing the metadata.
// RFC 7592 profiles rotate the registration access token on every update.
func (b *Bank) serveUpdate(w http.ResponseWriter, r *http.Request, d *dialect, c *client, cert *x509.Certificate) {
	req, e := b.readRegistrationRequest(w, r, d)
	if e != nil {
		b.writeError(w, r, e)
		return
	}
	reg, e := b.validateRegistration(r.Context(), d, req, cert, c, b.issuerFor(r))
	if e != nil {
		b.writeError(w, r, e)
		return
	}
	if d.version != "" && b.cfg.Choices.FixedRedirectURIs && !sameRedirectURIs(reg.metadata["redirect_uris"], c.reg.metadata["redirect_uris"]) {
		b.writeError(w, r, newError(http.StatusBadRequest, errInvalidRedirectURI, "redirect_uris cannot be changed by an update: register the client again"))
		return
	}
	id, present := req.claims["client_id"]
	adopt := present && id != c.id && b.has("put-adopts-client-id")
	if ((present && id != c.id) || (!present && d.registrationToken)) && !adopt {
		b.writeError(w, r, badMetadata("client_id %v is not the client being updated (RFC 7592 section 2.2)", id))
		return
	}
	var creds credentials
	if secret, present := req.claims["client_secret"]; present && secret != c.secret {
		if !b.has("rfc7592-put-overwrites-secret") {
			b.writeError(w, r, badMetadata("client_secret does not match the issued one; a client cannot choose its secret (RFC 7592 section 2.2)"))
			return
		}
		creds.secret, _ = secret.(string)
	}
	if b.has("put-ignores-changes") {
		writeJSON(w, http.StatusOK, b.clientInfo(r, d, c, opUpdate))
		return
	}
	var rotated string
	// The defect answers no registration_access_token, and so keeps the one the client holds.
	omitToken := d.registrationToken && b.has("rfc7592-put-omits-registration-token")
	if d.registrationToken && !omitToken {
		rotated = b.newRegistrationToken()
		creds.regToken = rotated
		creds.keepOld = b.has("rfc7592-keep-old-registration-token")
		if b.has("rfc7592-rotate-without-storing") {
			creds.regToken = ""
		}
	}
	var racy *client
	if b.has("put-check-then-write") { // the client as authorised, written back after a window
		holdFor(r.Context(), raceWindow)
		racy = c
	}
	updated, e := b.store.update(c.id, reg, b.now(), b.commitRules(), creds, racy)
	if e != nil {
		b.writeError(w, r, e)
		return
	}
	if b.has("put-revokes-tokens") {
		b.store.revokeClientTokens(c.id)
	}
	b.logger.Info("client updated", "profile", d.name, "client_id", c.id)
	body := b.clientInfo(r, d, updated, opUpdate)
	if rotated != "" {
		body["registration_access_token"] = rotated
	}
	if omitToken {
		delete(body, "registration_access_token")
		delete(body, "registration_client_uri")
	}
	if adopt {
		body["client_id"] = id
	}
	writeJSON(w, http.StatusOK, body)
}

// bearerToken takes the token of an "Authorization: Bearer <token>" header.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}

// actAnyway is the defect manage-acts-before-auth: it carries out a PUT or DELETE on the ClientId in
// the path whose credential was refused, as a bank that acts before it checks the token would, and
// leaves the refusal to be answered.
func (b *Bank) actAnyway(r *http.Request, d *dialect, clientID string, cert *x509.Certificate) {
	c := b.store.client(clientID)
	if c == nil || c.deleted || c.reg.profile != d.name {
		return
	}
	switch r.Method {
	case http.MethodDelete:
		b.store.delete(c.id, true)
	case http.MethodPut:
		b.serveUpdate(discardWriter{}, r, d, c, cert)
	}
}

// discardWriter is a response nobody reads.
type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (discardWriter) WriteHeader(int)             {}

// sameRedirectURIs reports whether two registrations' redirect_uris are the same list.
func sameRedirectURIs(a, b any) bool {
	x, errX := stringList(a, "redirect_uris")
	y, errY := stringList(b, "redirect_uris")
	return errX == nil && errY == nil && slices.Equal(x, y)
}
