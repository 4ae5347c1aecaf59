package transcript

import (
	"strings"
	"unicode/utf8"
)

// The shapes RedactText recognises, found by scanning: each finder returns the submatch indexes of the
// first match at or after from (as regexp's FindStringSubmatchIndex would for the expression in its
// comment), or nil. Every byte is looked at a bounded number of times, so redaction stays linear in the
// text; shapes_test.go checks each finder against its expression.

// replaceShapes replaces every match of find in s by f of its groups.
func replaceShapes(s string, find func(s string, from int) []int, f func(m []string) string) string {
	var b strings.Builder
	last := 0
	for from := 0; from <= len(s); {
		loc := find(s, from)
		if loc == nil {
			break
		}
		m := make([]string, len(loc)/2)
		for i := range m {
			if loc[2*i] >= 0 {
				m[i] = s[loc[2*i]:loc[2*i+1]]
			}
		}
		b.WriteString(s[last:loc[0]])
		b.WriteString(f(m))
		last = loc[1]
		from = max(loc[1], loc[0]+1)
	}
	if last == 0 && b.Len() == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// findUserInfo: ([A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s"'<>:]*:)([^/?#@\s"'<>]+)@
func findUserInfo(s string, from int) []int {
	floor := from
	for from < len(s) {
		k := strings.Index(s[from:], "://")
		if k < 0 {
			return nil
		}
		k += from
		from = k + 3
		start := -1 // the scheme: the leftmost letter of the scheme characters before "://"
		for x := k - 1; x >= floor && isSchemeByte(s[x]); x-- {
			if isLetter(s[x]) {
				start = x
			}
		}
		if start < 0 {
			continue
		}
		u := k + 3
		for u < len(s) && !isUserInfoStop(s[u]) && s[u] != ':' {
			u++
		}
		if u >= len(s) || s[u] != ':' {
			continue
		}
		q := u + 1
		for q < len(s) && !isUserInfoStop(s[q]) {
			q++
		}
		if q == u+1 || q >= len(s) || s[q] != '@' {
			continue
		}
		return []int{start, q + 1, start, u + 1, u + 1, q}
	}
	return nil
}

func isSchemeByte(c byte) bool {
	return isLetter(c) || c >= '0' && c <= '9' || c == '+' || c == '.' || c == '-'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isUserInfoStop(c byte) bool {
	switch c {
	case '/', '?', '#', '@', '"', '\'', '<', '>', ' ', '\t', '\n', '\f', '\r':
		return true
	}
	return false
}

// findAuthCredential: (?i)\b(Bearer|Basic|DPoP|Negotiate)(\s+)([A-Za-z0-9._~+/-]+=*)(.?)
// (ASCII case only: the expression also took the long s, U+017F, for an s).
func findAuthCredential(s string, from int) []int {
	for i := from; i+4 <= len(s); i++ {
		switch s[i] | 0x20 {
		case 'b', 'd', 'n':
		default:
			continue
		}
		if i > 0 && isWordByte(s[i-1]) {
			continue
		}
		n := 0
		for _, scheme := range []string{"bearer", "basic", "dpop", "negotiate"} {
			if len(s)-i >= len(scheme) && strings.EqualFold(s[i:i+len(scheme)], scheme) {
				n = len(scheme)
				break
			}
		}
		if n == 0 {
			continue
		}
		sp := i + n
		p := sp
		for p < len(s) && isSpace(s[p]) {
			p++
		}
		if p == sp {
			continue
		}
		c := p
		for c < len(s) && isToken68Byte(s[c]) {
			c++
		}
		if c == p {
			continue
		}
		for c < len(s) && s[c] == '=' {
			c++
		}
		next := c
		if c < len(s) && s[c] != '\n' {
			_, w := utf8.DecodeRuneInString(s[c:])
			next = c + w
		}
		return []int{i, next, i, i + n, sp, p, p, c, c, next}
	}
	return nil
}

func isWordByte(c byte) bool { return isLetter(c) || c >= '0' && c <= '9' || c == '_' }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

func isToken68Byte(c byte) bool {
	return isLetter(c) || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '-'
}

// isAuthParam: ^[A-Za-z_-]{1,24}=$ (`error=` of a challenge, not a credential).
func isAuthParam(s string) bool {
	if len(s) < 2 || len(s) > 25 || s[len(s)-1] != '=' {
		return false
	}
	for i := 0; i < len(s)-1; i++ {
		if c := s[i]; !isLetter(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// findJWS: eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?
func findJWS(s string, from int) []int {
	for from < len(s) {
		k := strings.Index(s[from:], "eyJ")
		if k < 0 {
			return nil
		}
		k += from
		p := b64urlRun(s, k+3)
		if p == k+3 || p >= len(s) || s[p] != '.' {
			// Every "eyJ" inside this run ends at the same place: none of them starts a JWS either.
			from = max(p, k+1)
			continue
		}
		p = b64urlRun(s, p+1)
		if p < len(s) && s[p] == '.' {
			p = b64urlRun(s, p+1)
		}
		return []int{k, p}
	}
	return nil
}

func b64urlRun(s string, p int) int {
	for p < len(s) && (isWordByte(s[p]) || s[p] == '-') {
		p++
	}
	return p
}

// findPEMPrivateKey: (-----BEGIN SP (?:[A-Z0-9]+ SP)*PRIVATE SP KEY-----)([^"]*?)(-----END SP (?:[A-Z0-9]+ SP)*PRIVATE SP KEY-----|"|$)
// where SP is (?:[ +]|%20).
func findPEMPrivateKey(s string, from int) []int {
	for from < len(s) {
		k := strings.Index(s[from:], "-----BEGIN")
		if k < 0 {
			return nil
		}
		k += from
		from = k + 1
		h := pemArmour(s, k+len("-----BEGIN"))
		if h < 0 {
			continue
		}
		for x := h; ; x++ {
			if x == len(s) {
				return []int{k, x, k, h, h, x, x, x}
			}
			if s[x] == '"' {
				return []int{k, x + 1, k, h, h, x, x, x + 1}
			}
			if s[x] == '-' && strings.HasPrefix(s[x:], "-----END") {
				if e := pemArmour(s, x+len("-----END")); e >= 0 {
					return []int{k, e, k, h, h, x, x, e}
				}
			}
		}
	}
	return nil
}

// pemArmour reads SP (?:[A-Z0-9]+ SP)*PRIVATE SP KEY----- at p and returns where it ends, or -1.
func pemArmour(s string, p int) int {
	if p = pemSpace(s, p); p < 0 {
		return -1
	}
	for {
		w := p
		for w < len(s) && (s[w] >= 'A' && s[w] <= 'Z' || s[w] >= '0' && s[w] <= '9') {
			w++
		}
		if w == p {
			return -1
		}
		q := pemSpace(s, w)
		if q < 0 {
			return -1
		}
		if s[p:w] == "PRIVATE" && strings.HasPrefix(s[q:], "KEY-----") {
			return q + len("KEY-----")
		}
		p = q
	}
}

func pemSpace(s string, p int) int {
	switch {
	case p < len(s) && (s[p] == ' ' || s[p] == '+'):
		return p + 1
	case strings.HasPrefix(s[p:], "%20"):
		return p + 3
	}
	return -1
}

// isMasked: ^(?:[A-Za-z][A-Za-z0-9-]* )?REDACTED_[0-9]+_chars$
func isMasked(s string) bool {
	if sp := strings.IndexByte(s, ' '); sp >= 0 {
		if sp == 0 || !isLetter(s[0]) {
			return false
		}
		for i := 1; i < sp; i++ {
			if c := s[i]; !isLetter(c) && !(c >= '0' && c <= '9') && c != '-' {
				return false
			}
		}
		s = s[sp+1:]
	}
	return s != "" && maskLenAt(s, 0) == len(s)
}
