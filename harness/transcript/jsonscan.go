package transcript

import (
	"encoding/json"
	"strings"
)

// redactJSONText masks the values of secret members in a JSON text, keeping every other byte as the
// bank sent it (numbers are never re-encoded, key order and spacing stay). It reads the text as tokens
// only, without building a tree, so that it works on truncated or invalid JSON and costs the same at
// any nesting depth. A secret member's string value is masked whole, whatever escapes it holds; a
// number or bare word is masked; an object or array has every value inside it masked, keys kept.
// onJWT, if not nil, is called for every string value that is a compact JWS, with the member's name.
func redactJSONText(s string, onJWT func(role, token string)) string {
	var b strings.Builder
	last := 0
	depth := 0
	secretDepth := -1 // depth at which a secret member's object or array opened
	pending := false  // a secret member's name and ':' were read; its value is next
	key := ""
	mask := func(from, to int, quote string) {
		if v := s[from:to]; v != "" && !isMasked(v) {
			b.WriteString(s[last:from])
			b.WriteString(quote + Mask(v) + quote)
			last = to
		}
	}
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '"':
			end := stringEnd(s, i+1)
			next := min(end+1, len(s))
			if k := skipSpace(s, next); k < len(s) && s[k] == ':' {
				key = jsonKey(s[i+1 : end])
				pending = secretDepth < 0 && IsSecretName(key)
				i = next
				continue
			}
			if onJWT != nil && isJWT(s[i+1:end]) {
				onJWT(key, s[i+1:end])
			}
			if pending || secretDepth >= 0 {
				mask(i+1, end, "")
			}
			pending = false
			i = next
		case '{', '[':
			if pending && secretDepth < 0 {
				secretDepth = depth
			}
			pending = false
			depth++
			i++
		case '}', ']':
			depth--
			if secretDepth >= 0 && depth <= secretDepth {
				secretDepth = -1
			}
			pending = false
			i++
		case ',':
			pending = false
			i++
		case ':', ' ', '\t', '\n', '\r':
			i++
		default: // a number, a bare word, or junk
			j := i
			for j < len(s) && !strings.ContainsRune(`",:{}[] `+"\t\n\r", rune(s[j])) {
				j++
			}
			if pending || secretDepth >= 0 {
				switch s[i:j] {
				case "null", "true", "false":
				default:
					mask(i, j, `"`) // a string, so that the JSON stays valid
				}
			}
			pending = false
			i = j
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// stringEnd is the index of the quote closing the JSON string whose content starts at from, or len(s).
func stringEnd(s string, from int) int {
	for x := from; x < len(s); x++ {
		switch s[x] {
		case '\\':
			x++
		case '"':
			return x
		}
	}
	return len(s)
}

// jsonKey decodes a member name's escapes ("client\u005fsecret").
func jsonKey(raw string) string {
	if !strings.Contains(raw, `\`) {
		return raw
	}
	var k string
	if json.Unmarshal([]byte(`"`+raw+`"`), &k) != nil {
		return raw
	}
	return k
}

// RedactJSON masks secrets in a JSON text (a whole report, say) and keeps it valid JSON: secret
// members as redactJSONText does, then every string as RedactText does.
func RedactJSON(s string) string { return RedactText(redactJSONText(s, nil)) }
