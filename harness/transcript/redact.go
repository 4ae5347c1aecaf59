package transcript

import (
	"net/http"
	"strings"

	"github.com/dcrconform/dcrconform/harness/joseutil"
)

// Redact masks the secrets of an exchange: secret headers (Authorization, cookies, any header whose
// name is a secret name, the configuration's secret headers), secret members of JSON bodies and of
// JWTs, and, in every other text (URL, non-JSON bodies, other header values, the error), whatever
// RedactText finds. JWTs in bodies are decoded into JWTs (signatures dropped) before any masking, so the
// reader still sees their claims. Bodies keep the bank's bytes apart from the masks. Redact is
// idempotent, and never changes maps or slices the exchange shares with its caller.
func Redact(ex *Exchange) {
	ex.RequestHeaders = redactHeaders(ex.RequestHeaders)
	ex.ResponseHeaders = redactHeaders(ex.ResponseHeaders)
	jwts := append([]DecodedJWT(nil), ex.JWTs...)
	ex.RequestBody = redactBody(ex.RequestBody, "request", &jwts)
	ex.ResponseBody = redactBody(ex.ResponseBody, "response", &jwts)
	ex.URL = RedactText(ex.URL)
	ex.Error = RedactText(ex.Error)
	ex.ClientCert = RedactText(ex.ClientCert)
	for i := range jwts {
		jwts[i].Header, _ = redactValue(jwts[i].Header, false).(map[string]any)
		jwts[i].Claims, _ = redactValue(jwts[i].Claims, false).(map[string]any)
	}
	if jwts != nil {
		ex.JWTs = jwts
	}
	maskExchange(ex)
}

// maskExchange masks by value, in every part of ex, the secrets registered so far: those the exchange
// itself carried under a secret name (learnt above) echoed anywhere else in it, in any form.
func maskExchange(ex *Exchange) {
	ex.URL, ex.Error = MaskSecrets(ex.URL), MaskSecrets(ex.Error)
	ex.RequestBody, ex.ResponseBody = MaskSecrets(ex.RequestBody), MaskSecrets(ex.ResponseBody)
	for _, h := range []map[string][]string{ex.RequestHeaders, ex.ResponseHeaders} {
		for k, vs := range h { // redactHeaders made these maps and slices
			for i := range vs {
				vs[i] = MaskSecrets(vs[i])
			}
			if mk := MaskSecrets(k); mk != k {
				delete(h, k)
				h[mk] = append(h[mk], vs...)
			}
		}
	}
	for i := range ex.JWTs {
		ex.JWTs[i].Header, _ = maskValue(ex.JWTs[i].Header).(map[string]any)
		ex.JWTs[i].Claims, _ = maskValue(ex.JWTs[i].Claims).(map[string]any)
	}
}

// maskValue masks registered secrets in the strings (keys included) of a redacted JSON value, in place.
func maskValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			nv := maskValue(val)
			if mk := MaskSecrets(k); mk != k {
				delete(t, k)
				k = mk
			}
			t[k] = nv
		}
	case []any:
		for i := range t {
			t[i] = maskValue(t[i])
		}
	case string:
		return MaskSecrets(t)
	}
	return v
}

func redactHeaders(h map[string][]string) map[string][]string {
	if h == nil {
		return nil
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		ck := http.CanonicalHeaderKey(k)
		secret := IsSecretName(ck)
		for _, v := range vs {
			switch {
			case !secret:
				v = RedactText(v)
			case isMasked(v):
			default:
				learnCredential(v)
				// Keep an authorization scheme: "Bearer REDACTED_43_chars".
				if scheme, cred, found := strings.Cut(v, " "); found && isScheme(scheme) {
					v = scheme + " " + Mask(cred)
				} else {
					v = Mask(v)
				}
			}
			out[ck] = append(out[ck], v)
		}
	}
	return out
}

func redactBody(body, side string, jwts *[]DecodedJWT) string {
	trimmed := strings.TrimSpace(body)
	switch {
	case trimmed == "":
		return body
	case isJWT(trimmed):
		decodeInto(trimmed, side, jwts)
	case trimmed[0] == '{' || trimmed[0] == '[':
		return redactJSONText(body, func(role, tok string) { decodeInto(tok, role, jwts) })
	case strings.Contains(trimmed, "=") && !strings.ContainsAny(trimmed, " \n"):
		// A form: decode the JWTs it carries (client_assertion, software_statement, ...).
		for _, kv := range strings.Split(trimmed, "&") {
			if k, v, ok := strings.Cut(kv, "="); ok && isJWT(v) {
				decodeInto(v, k, jwts)
			}
		}
	}
	return RedactText(body)
}

// decodeInto adds the decoded JWT token, and the JWTs in its claims, to jwts.
func decodeInto(token, role string, jwts *[]DecodedJWT) {
	if len(*jwts) >= maxDecodedJWTs {
		return
	}
	h, c, err := joseutil.Decode(token)
	if err != nil {
		return
	}
	for k, v := range c {
		if s, ok := v.(string); ok && isJWT(s) {
			decodeInto(s, k, jwts)
		}
	}
	*jwts = append(*jwts, DecodedJWT{Role: role, Header: h, Claims: c})
}

// maxDecodedJWTs bounds the JWTs decoded from one exchange.
const maxDecodedJWTs = 16

// redactValue returns a redacted deep copy of a decoded JSON value: members with secret names (and
// everything inside them) masked, other strings redacted as text (nested JWTs lose their signature).
func redactValue(v any, secret bool) any {
	switch t := v.(type) {
	case map[string]any:
		if t == nil {
			return t
		}
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[k] = redactValue(val, secret || IsSecretName(k))
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = redactValue(t[i], secret)
		}
		return out
	case string:
		if secret {
			learnSecret(t)
			return Mask(t)
		}
		return RedactText(t)
	case nil, bool:
		return v
	}
	if secret { // a number
		if s, ok := v.(interface{ String() string }); ok {
			return Mask(s.String())
		}
		return "REDACTED"
	}
	return v
}

func isJWT(s string) bool {
	if len(s) < 10 || strings.Count(s, ".") != 2 || !strings.HasPrefix(s, "eyJ") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '.' || c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
