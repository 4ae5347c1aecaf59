package bank

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Error codes of RFC 7591 §3.2.2, RFC 6749 §5.2 and RFC 6750 §3.1.
const (
	errInvalidClientMetadata = "invalid_client_metadata"
	errInvalidRedirectURI    = "invalid_redirect_uri"
	errInvalidSSA            = "invalid_software_statement"
	errUnapprovedSSA         = "unapproved_software_statement"
	errInvalidClient         = "invalid_client"
	errInvalidRequest        = "invalid_request"
	errInvalidScope          = "invalid_scope"
	errInvalidToken          = "invalid_token"
	errInsufficientScope     = "insufficient_scope"
	errUnsupportedGrantType  = "unsupported_grant_type"
	errUnauthorizedClient    = "unauthorized_client"
	errServerError           = "server_error"
)

// apiError is an error answer: an HTTP status, an error code and a description. Descriptions
// never quote tokens, assertions or secrets.
type apiError struct {
	status int
	code   string
	desc   string
	basic  bool   // challenge for HTTP Basic credentials
	scope  string // the scope an insufficient_scope error asks for
	// noCredentials: the request carried no Bearer credentials at all, so the challenge has no error
	// code (RFC 6750 section 3.1: "SHOULD NOT include an error code")
	noCredentials bool
}

func (e *apiError) Error() string { return e.code + ": " + e.desc }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, desc: fmt.Sprintf(format, args...)}
}

func badMetadata(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, errInvalidClientMetadata, format, args...)
}

func badSSA(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, errInvalidSSA, format, args...)
}

// unapproved is the error for an SSA of software or an organisation that is not active.
func (b *Bank) unapproved(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, cmp.Or(b.cfg.Choices.UnapprovedError, errUnapprovedSSA), format, args...)
}

// badBody is the error for a registration body that cannot be read.
func (b *Bank) badBody(status int, format string, args ...any) *apiError {
	return newError(status, cmp.Or(b.cfg.Choices.BodyError, errInvalidClientMetadata), format, args...)
}

// jtiScope is the issuer part of a remembered jti: the issuer's own, or none when jtis are global.
func (b *Bank) jtiScope(issuer string) string {
	if b.cfg.Choices.GlobalJTI {
		return ""
	}
	return issuer
}

func badClient(format string, args ...any) *apiError {
	return newError(http.StatusUnauthorized, errInvalidClient, format, args...)
}

func badToken(format string, args ...any) *apiError {
	return newError(http.StatusUnauthorized, errInvalidToken, format, args...)
}

// badRedirect is the error for a redirect URI the bank refuses.
func (b *Bank) badRedirect(format string, args ...any) *apiError {
	code := errInvalidRedirectURI
	if b.has("invalid-request-for-redirect") {
		code = errInvalidRequest
	}
	return newError(http.StatusBadRequest, code, format, args...)
}

// writeError sends e as an RFC 7591 §3.2.2 JSON error; a 401 invalid_token also carries the
// RFC 6750 WWW-Authenticate challenge.
func (b *Bank) writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	b.logger.Info("request refused", "method", r.Method, "path", r.URL.Path,
		"status", e.status, "error", e.code, "error_description", e.desc)
	if (e.code == errInvalidToken || e.code == errInsufficientScope) && !b.has("no-www-authenticate") {
		challenge := `Bearer error="` + e.code + `"`
		switch {
		case e.noCredentials && b.has("bearer-challenge-bare"):
			challenge = "Bearer"
		case e.noCredentials && !b.has("bearer-error-without-credentials"),
			b.has("bearer-challenge-without-error"):
			challenge = `Bearer realm="dcrconform"`
		}
		if e.scope != "" {
			challenge += `, scope="` + e.scope + `"`
		}
		if !e.noCredentials && b.has("bearer-error-twice") { // as a proxy and the application both add it
			challenge += `, error="` + e.code + `"`
		}
		if !e.noCredentials && b.has("bearer-description-non-ascii") {
			challenge += `, error_description="the access token isn’t valid — ask for a new one"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	if e.basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="dcr"`)
	}
	if b.has("non-json-error") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(e.status)
		fmt.Fprintf(w, "%s: %s\n", e.code, e.desc)
		return
	}
	desc := e.desc
	if !b.has("error-description-raw") {
		desc = safeDescription(desc)
	}
	body := map[string]any{"error": e.code, "error_description": clipDescription(desc)}
	b.breakRefusal(r, e.status, w, body)
	writeJSON(w, e.status, body)
}

// maxDescription is the longest error_description the bank sends: UK DCR's RegistrationError allows
// 500 characters.
const maxDescription = 500

func clipDescription(s string) string {
	if r := []rune(s); len(r) > maxDescription {
		return string(r[:maxDescription-3]) + "..."
	}
	return s
}

// safeDescription keeps an error_description within the characters RFC 6749 section 5.2 allows
// (%x20-21 / %x23-5B / %x5D-7E): a double quote becomes a single one, a backslash a slash, any other
// character outside the set a question mark.
func safeDescription(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r == '\\':
			return '/'
		case r < 0x20 || r > 0x7e:
			return '?'
		}
		return r
	}, s)
}

// writeJSON sends v as a JSON body that caches must not keep.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeCacheableJSON(w, status, v)
}

// writeCacheableJSON writes v as JSON without the no-store and no-cache headers (the defect
// token-response-cacheable answers tokens so).
func writeCacheableJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":"server_error","error_description":"cannot encode the response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
