package bank

import (
	"crypto/x509"
	"net/http"
	"strings"

	"github.com/dcrconform/dcrconform/harness/pki"
)

// serveManage handles GET, PUT and DELETE /register/{ClientId} (RFC 7592, UK OBIE DCR 3.3):
// authorised by a client_credentials access token of that client, over the certificate it is bound to.
func (b *Bank) serveManage(w http.ResponseWriter, r *http.Request, clientID string) {
	cert := b.clientCert(r)
	if cert == nil {
		b.writeError(w, r, badClient("registration management needs a transport (mTLS) client certificate that the bank trusts"))
		return
	}
	if r.Method == http.MethodGet && b.has("get-after-delete-200") {
		if c := b.store.client(clientID); c != nil && c.deleted {
			writeJSON(w, http.StatusOK, c.response())
			return
		}
	}
	c, e := b.authorizeManagement(r, clientID, cert)
	if e != nil {
		b.writeError(w, r, e)
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, c.response())
	case http.MethodPut:
		b.serveUpdate(w, r, c, cert)
	case http.MethodDelete:
		b.store.delete(c.id, !b.has("delete-keeps-tokens"))
		b.logger.Info("client deleted", "client_id", c.id)
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
func (b *Bank) authorizeManagement(r *http.Request, clientID string, cert *x509.Certificate) (*client, *apiError) {
	authorization := r.Header.Get("Authorization")
	if authorization == "" && b.has("accept-no-token") {
		if c := b.store.client(clientID); c != nil && !c.deleted {
			return c, nil
		}
		return nil, badToken("unknown client")
	}
	value, ok := bearerToken(authorization)
	if !ok {
		return nil, badToken("an Authorization: Bearer access token is required")
	}
	tok, ok := b.store.token(value)
	if !ok {
		return nil, badToken("the access token is unknown or revoked")
	}
	if !tok.expiresAt.After(b.now()) && !b.has("accept-expired-token") {
		return nil, badToken("the access token has expired")
	}
	if tok.thumbprint != "" && tok.thumbprint != pki.Thumbprint(cert) {
		return nil, badToken("the access token is bound to another certificate")
	}
	c := b.store.client(clientID)
	if c == nil || (tok.clientID != clientID && !b.has("accept-other-client-token")) {
		if !b.has("no-revoke-on-unknown-client") {
			b.store.revokeToken(value)
		}
		return nil, badToken("the access token was not issued to this client; it has been revoked")
	}
	return c, nil
}

// serveUpdate handles PUT: a full registration request, validated as on POST, replacing the metadata.
func (b *Bank) serveUpdate(w http.ResponseWriter, r *http.Request, c *client, cert *x509.Certificate) {
	req, e := b.readRegistrationRequest(w, r)
	if e != nil {
		b.writeError(w, r, e)
		return
	}
	reg, e := b.validateRegistration(r.Context(), req, cert, c, b.issuerFor(r))
	if e != nil {
		b.writeError(w, r, e)
		return
	}
	if id, present := req.claims["client_id"]; present && id != c.id {
		b.writeError(w, r, badMetadata("client_id %v is not the client being updated", id))
		return
	}
	if b.has("put-ignores-changes") {
		writeJSON(w, http.StatusOK, c.response())
		return
	}
	updated, e := b.store.update(c.id, reg, b.now(), b.commitRules())
	if e != nil {
		b.writeError(w, r, e)
		return
	}
	b.logger.Info("client updated", "client_id", c.id)
	writeJSON(w, http.StatusOK, updated.response())
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
