package transcript

import (
	"encoding/base64"
	"strings"
)

// Free-text redaction: what a failure message, a skip reason, a console line or a body that is neither
// JSON nor a JWT may hold. The rules are by shape, so that they hold whatever the bank sends:
//   - a PEM private key, whatever holds it (the key's body is masked, its armour lines kept);
//   - a URL's user-info password (https://user:REDACTED@host);
//   - a secret name (see IsSecretName) followed by '=', ':' or %3D, its value masked: quoted values in
//     full, whatever escapes they hold (also in JSON escaped inside JSON), unquoted ones up to the first
//     character that cannot be part of a token; a header line (Authorization: ...) to the end of the line;
//   - an authorization credential (Bearer, Basic, DPoP, Negotiate and the token after it);
//   - a JWT's signature (dropped), and secret members of its header and payload (masked, re-encoded).
//
// Each rule is a scan (shapes.go), linear in the text. Last, every secret registered by value
// (secrets.go), this text's included, is masked wherever it stands. RedactText is idempotent: masks are
// never masked again.

// RedactText masks secrets in free text by shape (see the rules above).
func RedactText(s string) string {
	if len(s) < 3 {
		return s
	}
	if strings.Contains(s, "PRIVATE") {
		s = replaceShapes(s, findPEMPrivateKey, func(m []string) string { learnPEMBody(m[2]); return m[1] + Mask(m[2]) + m[3] })
	}
	if strings.Contains(s, "://") {
		s = replaceShapes(s, findUserInfo, func(m []string) string { learnSecret(m[2]); return m[1] + Mask(m[2]) + "@" })
	}
	s = redactNamed(s)
	if !hasScheme(s) {
		return MaskSecrets(redactJWSs(s))
	}
	s = replaceShapes(s, findAuthCredential, func(m []string) string {
		scheme, space, cred, next := m[1], m[2], m[3], m[4]
		// `Bearer error="invalid_token"` is a challenge's auth-param, and "a Bearer challenge" is prose.
		if isMasked(cred) || isProse(cred) || isAuthParam(cred) && next != "" {
			return m[0]
		}
		learnCredential(scheme + " " + cred)
		return scheme + space + Mask(cred) + next
	})
	return MaskSecrets(redactJWSs(s))
}

// learnPEMBody registers the lines of a private key's body as text holds it (raw, JSON-escaped or
// URL-encoded line breaks).
func learnPEMBody(body string) {
	r := strings.NewReplacer(`\n`, "\n", `\r`, "\n", "%0A", "\n", "%0a", "\n", "%0D", "\n", "%0d", "\n", "\r", "\n")
	for _, line := range strings.Split(r.Replace(body), "\n") {
		if line = strings.TrimSpace(line); len(line) >= 16 {
			learnSecret(line)
		}
	}
}

func redactJWSs(s string) string {
	if strings.Contains(s, "eyJ") {
		s = replaceShapes(s, findJWS, func(m []string) string { return redactJWS(m[0]) })
	}
	return s
}

// hasScheme is a quick test for a word authCredential could match (bearer, basic, dpop, negotiate).
func hasScheme(s string) bool {
	for i := 0; i+4 <= len(s); i++ {
		switch s[i] | 0x20 {
		case 'b', 'd', 'n':
			w := s[i:min(i+9, len(s))]
			for _, scheme := range []string{"bearer", "basic", "dpop", "negotiate"} {
				if len(w) >= len(scheme) && strings.EqualFold(w[:len(scheme)], scheme) {
					return true
				}
			}
		}
	}
	return false
}

// isProse: a scheme followed by a lower-case word ("a Bearer challenge") is prose, not a credential.
func isProse(s string) bool {
	if len(s) >= 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// redactJWS drops a JWS's signature and masks secret members of its header and payload. A part that
// held a secret is re-encoded (the bytes it held otherwise are kept).
func redactJWS(tok string) string {
	parts := strings.SplitN(tok, ".", 3)
	for i := 0; i < 2 && i < len(parts); i++ {
		parts[i] = redactJWSPart(parts[i])
	}
	if len(parts) == 3 && parts[2] != "" {
		AddSecret(parts[2])
		parts[2] = "[signature removed]"
	}
	return strings.Join(parts, ".")
}

func redactJWSPart(p string) string {
	raw := p
	if len(raw)%4 == 1 { // cut short: drop the partial character
		raw = raw[:len(raw)-1]
	}
	dec, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(dec) == 0 || dec[0] != '{' {
		return p
	}
	red := redactJSONText(string(dec), nil)
	if red == string(dec) {
		return p
	}
	return base64.RawURLEncoding.EncodeToString([]byte(red))
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// redactNamed masks the value after every secret name followed by a separator.
func redactNamed(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !isNameByte(s[i]) || i > 0 && isNameByte(s[i-1]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isNameByte(s[j]) {
			j++
		}
		// A URL's last path segment ("POST https://bank/token: connection refused") names no value.
		if !IsSecretName(s[i:j]) || i > 0 && s[i-1] == '/' {
			i = j
			continue
		}
		vs, ve, header := valueAfter(s, i, j)
		if ve <= vs {
			i = j
			continue
		}
		val, hs := s[vs:ve], vs
		if header && !isMasked(val) {
			// Keep an authorization scheme, and what follows the credential on the line:
			// "Authorization: Bearer REDACTED_8_chars returned 401".
			if sp := strings.IndexByte(val, ' '); sp > 0 && isScheme(val[:sp]) {
				vs += sp + 1
				e := vs
				for e < ve && !isValueEnd(s, e) {
					e++
				}
				ve = e
				val = s[vs:ve]
			}
		}
		if isMasked(val) {
			i = ve
			continue
		}
		switch {
		case header:
			learnCredential(s[hs:ve])
		case j-i > 2: // not a JWK member's letter (q=, d=), which in free text is as often something else
			learnSecret(val)
		}
		b.WriteString(s[last:vs])
		b.WriteString(Mask(val))
		last, i = ve, ve
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isScheme(w string) bool {
	for i := 0; i < len(w); i++ {
		if !(w[i] >= 'a' && w[i] <= 'z' || w[i] >= 'A' && w[i] <= 'Z') {
			return false
		}
	}
	return w != ""
}

// valueAfter finds the value of the secret name s[i:j]: [vs, ve) is what to mask (empty when the name
// is not followed by a separator and a value); header reports a header line's value.
func valueAfter(s string, i, j int) (vs, ve int, header bool) {
	p := j
	// A quoted name ("name", \"name\", 'name') closes with the quote it opened with.
	if i > 0 && (s[i-1] == '"' || s[i-1] == '\'') {
		k := backslashesBefore(s, i-1, 0)
		if strings.HasPrefix(s[p:], strings.Repeat(`\`, k)+s[i-1:i]) {
			p += k + 1
		}
	}
	p = skipBlanks(s, p)
	sep := byte(0)
	switch {
	case p < len(s) && (s[p] == '=' || s[p] == ':'):
		sep = s[p]
		p++
	case p+3 <= len(s) && strings.EqualFold(s[p:p+3], "%3D"):
		sep = '='
		p += 3
	default:
		return 0, 0, false
	}
	if sep == ':' && strings.HasPrefix(s[p:], "//") { // a URL scheme, not a value
		return 0, 0, false
	}
	p = skipBlanks(s, p)
	// A quoted value may start on the next line (pretty-printed JSON); an unquoted one may not.
	q := skipSpace(s, p)
	for q < len(s) && s[q] == '[' { // an array: its first element
		q = skipSpace(s, q+1)
	}
	k := q
	for k < len(s) && s[k] == '\\' {
		k++
	}
	if k < len(s) && (s[k] == '"' || s[k] == '\'') {
		vs = k + 1
		return vs, quotedEnd(s, vs, s[k], level(k-q)), isHeaderName(s[i:j])
	}
	if p < len(s) && s[p] == '[' {
		p = q
	}
	if p >= len(s) || s[p] == '=' || s[p] == '{' {
		return 0, 0, false
	}
	if sep == ':' && isHeaderName(s[i:j]) {
		e := p
		for e < len(s) && s[e] != '\n' && s[e] != '\r' && s[e] != '"' && s[e] != '\\' {
			e++
		}
		for e > p && (s[e-1] == ' ' || s[e-1] == '\t') {
			e--
		}
		return p, e, true
	}
	e := p
	for e < len(s) && !isValueEnd(s, e) {
		e++
	}
	switch s[p:e] {
	case "null", "true", "false":
		return 0, 0, false
	}
	return p, e, false
}

// backslashesBefore counts the backslashes just before s[x], not looking before from.
func backslashesBefore(s string, x, from int) int {
	n := 0
	for x-n-1 >= from && s[x-n-1] == '\\' {
		n++
	}
	return n
}

func skipBlanks(s string, p int) int {
	for p < len(s) && (s[p] == ' ' || s[p] == '\t') {
		p++
	}
	return p
}

func skipSpace(s string, p int) int {
	for p < len(s) && (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' || s[p] == '\r') {
		p++
	}
	return p
}

// level is how deeply a quote preceded by k backslashes is escaped: 0 for ", 1 for \", 2 for \\\".
func level(k int) int {
	n := 0
	for k%2 == 1 {
		k = (k - 1) / 2
		n++
	}
	return n
}

// quotedEnd is where the value opened by quote q at escape level n, its content starting at vs, ends:
// before the quote that closes it (a quote that closes an enclosing level closes it too), at the end
// of the line, or at the end of s.
func quotedEnd(s string, vs int, q byte, n int) int {
	for x := vs; x < len(s); x++ {
		switch s[x] {
		case '\n', '\r':
			return x
		case q:
			r := backslashesBefore(s, x, vs)
			if closes(r, n) {
				return x - min(r, 1<<n-1)
			}
		}
	}
	return len(s)
}

// closes reports whether a quote preceded by r backslashes ends a string at escape level n.
func closes(r, n int) bool {
	for i := 0; i <= n; i++ {
		if r%2 == 0 {
			return true
		}
		r = (r - 1) / 2
	}
	return false
}

// isValueEnd: the characters that end an unquoted value (a token never holds them).
func isValueEnd(s string, e int) bool {
	switch s[e] {
	case ' ', '\t', '\n', '\r', '&', '"', '\'', '<', '>', ';', ',', ')', ']', '}', '\\':
		return true
	case '%':
		return e+3 <= len(s) && strings.EqualFold(s[e:e+3], "%26")
	}
	return false
}
