package reports

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Defensive redaction. The transcript recorder already masks secrets as it records; the reports mask
// again so that a transcript built elsewhere (or a hand-edited JSON report) cannot leak one. The rules
// are transcript's: transcript.Redact for exchanges and transcript.Mask for values, and a field counts
// as secret exactly when transcript.Redact masks it.

var (
	maskRE     = regexp.MustCompile(`REDACTED_\d+_chars`)
	onlyMaskRE = regexp.MustCompile(`^REDACTED_\d+_chars$`)
	// An auth-param name and its "=", as in `Bearer error="invalid_token"`.
	authParamRE = regexp.MustCompile(`^[A-Za-z_-]{1,24}=$`)
)

func isMask(s string) bool { return onlyMaskRE.MatchString(s) }

// sameModuloMasks: transcript.Redact masks an already masked value again, changing only the length
// it records; a field that Redact changes in no other way was already clean and is kept as it was.
func sameModuloMasks(a, b string) bool {
	return maskRE.ReplaceAllString(a, "R") == maskRE.ReplaceAllString(b, "R")
}

var secretFieldCache sync.Map // field name -> bool

// isSecretField reports whether transcript.Redact masks a form field or JSON member of that name.
func isSecretField(name string) bool {
	if v, ok := secretFieldCache.Load(name); ok {
		return v.(bool)
	}
	ex := transcript.Exchange{RequestBody: name + "=probe"}
	transcript.Redact(&ex)
	secret := !strings.Contains(ex.RequestBody, "probe")
	secretFieldCache.Store(name, secret)
	return secret
}

var (
	// An HTTP authorization credential in free text: scheme, then a token68.
	authRE = regexp.MustCompile(`(?i)\b(Bearer|Basic|DPoP)(\s+)([A-Za-z0-9._~+/-]+=*)([A-Za-z0-9"\\]?)`)
	// A compact JWS with a signature.
	jwsRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+`)
	// A JSON member with a string value, possibly with escaped quotes or cut short.
	jsonMemberRE = regexp.MustCompile(`(\\?"([A-Za-z_][A-Za-z0-9_]*)\\?"\s*:\s*\\?")([^"\\]*)`)
	// A form or query field.
	formFieldRE = regexp.MustCompile(`(^|[?&#\s])([A-Za-z_][A-Za-z0-9_]*)=([^&\s"'<>]+)`)
)

// RedactText masks secret-looking values in free text (failure messages, bodies that are neither JSON
// nor forms): authorization credentials, JWS signatures, and secret JSON members and form fields.
// It is idempotent.
func RedactText(s string) string {
	if s == "" {
		return s
	}
	s = replaceSubmatch(authRE, s, func(m []string) string {
		scheme, space, cred, next := m[1], m[2], m[3], m[4]
		// `Bearer error="invalid_token"` is a challenge's auth-param, not a credential.
		if isMask(cred) || isWord(cred) || authParamRE.MatchString(cred) && next != "" {
			return m[0]
		}
		return scheme + space + transcript.Mask(cred) + next
	})
	s = jwsRE.ReplaceAllStringFunc(s, func(tok string) string {
		return tok[:strings.LastIndexByte(tok, '.')+1] + "[signature removed]"
	})
	s = replaceSubmatch(jsonMemberRE, s, func(m []string) string {
		if !isSecretField(m[2]) || m[3] == "" || isMask(m[3]) {
			return m[0]
		}
		return m[1] + transcript.Mask(m[3])
	})
	return replaceSubmatch(formFieldRE, s, func(m []string) string {
		if !isSecretField(m[2]) || isMask(m[3]) {
			return m[0]
		}
		return m[1] + m[2] + "=" + transcript.Mask(m[3])
	})
}

// isWord: a scheme followed by a plain word ("a Bearer challenge") is prose, not a credential.
func isWord(s string) bool {
	if len(s) >= 20 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func replaceSubmatch(re *regexp.Regexp, s string, f func([]string) string) string {
	idx := re.FindAllStringSubmatchIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, loc := range idx {
		m := make([]string, len(loc)/2)
		for i := range m {
			if loc[2*i] >= 0 {
				m[i] = s[loc[2*i]:loc[2*i+1]]
			}
		}
		b.WriteString(s[last:loc[0]])
		b.WriteString(f(m))
		last = loc[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// RedactExchange returns a copy of ex with transcript.Redact applied again, then RedactText on every
// free-text field and the secret members of decoded JWTs masked. It is idempotent.
func RedactExchange(ex transcript.Exchange) transcript.Exchange {
	red := ex
	red.JWTs = append([]transcript.DecodedJWT(nil), ex.JWTs...)
	transcript.Redact(&red)
	keep := func(orig, redacted string) string {
		if sameModuloMasks(orig, redacted) {
			return RedactText(orig)
		}
		return RedactText(redacted)
	}
	red.URL = keep(ex.URL, red.URL)
	red.RequestBody = keep(ex.RequestBody, red.RequestBody)
	red.ResponseBody = keep(ex.ResponseBody, red.ResponseBody)
	red.RequestHeaders = keepHeaders(ex.RequestHeaders, red.RequestHeaders)
	red.ResponseHeaders = keepHeaders(ex.ResponseHeaders, red.ResponseHeaders)
	red.Error = RedactText(ex.Error)
	red.ClientCert = RedactText(ex.ClientCert)
	red.JWTs = redactJWTs(red.JWTs)
	return red
}

func keepHeaders(orig, redacted map[string][]string) map[string][]string {
	if redacted == nil {
		return nil
	}
	canon := make(map[string][]string, len(orig))
	for k, v := range orig {
		canon[http.CanonicalHeaderKey(k)] = append(canon[http.CanonicalHeaderKey(k)], v...)
	}
	out := make(map[string][]string, len(redacted))
	for k, vs := range redacted {
		o := canon[k]
		for i, v := range vs {
			if i < len(o) && len(o) == len(vs) && sameModuloMasks(o[i], v) {
				v = o[i]
			}
			out[k] = append(out[k], RedactText(v))
		}
	}
	return out
}

// redactJWTs masks secret members (a private JWK's "d", say) anywhere in decoded JWTs, strips
// signatures of JWTs nested in them, and drops duplicates (a JWT decoded again by a second pass).
func redactJWTs(in []transcript.DecodedJWT) []transcript.DecodedJWT {
	if len(in) == 0 {
		return in
	}
	out := make([]transcript.DecodedJWT, 0, len(in))
	seen := map[string]bool{}
	for _, j := range in {
		j.Header, _ = redactValue(j.Header).(map[string]any)
		j.Claims, _ = redactValue(j.Claims).(map[string]any)
		key, _ := json.Marshal(j)
		if seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		out = append(out, j)
	}
	return out
}

// redactValue returns a redacted deep copy of a decoded JSON value.
func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if t == nil {
			return t
		}
		out := make(map[string]any, len(t))
		for k, val := range t {
			if s, ok := val.(string); ok && isSecretField(k) && !isMask(s) {
				out[k] = transcript.Mask(s)
				continue
			}
			out[k] = redactValue(val)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = redactValue(t[i])
		}
		return out
	case string:
		return RedactText(t)
	}
	return v
}

// redacted returns a deep copy of r with every secret masked, ready to be written.
func (r *Run) redacted() *Run {
	out := *r
	out.Target.DiscoveryURL = RedactText(r.Target.DiscoveryURL)
	out.Target.RegistrationURL = RedactText(r.Target.RegistrationURL)
	out.Target.TokenURL = RedactText(r.Target.TokenURL)
	out.Specs = make([]Spec, len(r.Specs))
	for i, s := range r.Specs {
		s.Reason = RedactText(s.Reason)
		s.Expected = RedactText(s.Expected)
		s.Actual = RedactText(s.Actual)
		s.Labels = append([]string{}, s.Labels...)
		exs := make([]transcript.Exchange, len(s.Exchanges))
		for j, ex := range s.Exchanges {
			exs[j] = RedactExchange(ex)
		}
		s.Exchanges = exs
		out.Specs[i] = s
	}
	return &out
}
