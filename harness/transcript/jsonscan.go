package transcript

import (
	"encoding/json"
	"strconv"
	"strings"
)

// redactJSONText masks the secrets of a JSON text (possibly truncated or invalid), keeping every
// other byte as the bank sent it (numbers are never re-encoded, key order and spacing stay). It reads
// the text as tokens only, without building a tree, so that it works on any text and costs the same
// at any nesting depth. A secret member's string value is masked whole, whatever escapes it holds; a
// number or bare word is masked (as a string, so that the JSON stays valid); an object or array has
// every value inside it masked, keys kept. Every other string, and the text between strings, gets
// RedactText. onJWT, if not nil, is called for every string value that is a compact JWS, with the
// member's name.
func redactJSONText(s string, onJWT func(role, token string)) string {
	var b strings.Builder
	b.Grow(len(s) + 64)
	seg := 0          // start of the text not yet written
	depth := 0        //
	secretDepth := -1 // depth at which a secret member's object or array opened
	pending := false  // a secret member's name and ':' were read; its value is next
	key := ""
	flush := func(to int) { // the text between strings, as free text
		if text := s[seg:to]; jsonStructure(text) {
			b.WriteString(text) // punctuation, numbers, literals: a secret in a number is masked whole below
		} else {
			b.WriteString(RedactText(text))
		}
		seg = to
	}
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '"':
			end := stringEnd(s, i+1)
			next := min(end+1, len(s))
			if !pending && secretDepth < 0 && endsWithSecretName(s[seg:i]) {
				pending = true // junk such as `access_token="…"` around or before the JSON
			}
			flush(i)
			content := s[i+1 : end]
			isKey := false
			if k := skipSpace(s, next); k < len(s) && s[k] == ':' {
				isKey = true
				key = jsonKey(content)
			}
			b.WriteByte('"')
			switch {
			case isKey:
				b.WriteString(RedactText(content))
			case pending || secretDepth >= 0:
				if onJWT != nil && isJWT(content) {
					onJWT(key, content)
				}
				learnSecret(jsonKey(content))
				b.WriteString(Mask(content))
			default:
				if onJWT != nil && isJWT(content) {
					onJWT(key, content)
				}
				b.WriteString(RedactText(content))
			}
			b.WriteString(s[end:next])
			seg = next
			if isKey {
				pending = secretDepth < 0 && IsSecretName(key)
			} else {
				pending = false
			}
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
			for j < len(s) && !strings.ContainsRune(`",:{}[]`+"\n\r", rune(s[j])) {
				j++
			}
			if pending || secretDepth >= 0 {
				e := j
				for e > i && (s[e-1] == ' ' || s[e-1] == '\t') {
					e--
				}
				switch v := s[i:e]; v {
				case "null", "true", "false":
				default:
					flush(i)
					if isMasked(v) {
						b.WriteString(v)
					} else {
						learnSecret(v)
						b.WriteString(`"` + Mask(v) + `"`)
					}
					seg = e
				}
			} else if v := strings.TrimRight(s[i:j], " \t"); jsonStructure(v) && MaskSecrets(v) != v {
				// A number holding a secret's value: masked whole, as a string, so that the JSON stays JSON.
				flush(i)
				b.WriteString(`"` + Mask(v) + `"`)
				seg = i + len(v)
			}
			pending = false
			i = j
		}
	}
	flush(len(s))
	return b.String()
}

// jsonStructure reports whether text is what JSON has between its strings: punctuation, blanks,
// numbers and the literals true, false and null.
func jsonStructure(text string) bool {
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(",:{}[] \t\r\n", r) }) {
		if w == "true" || w == "false" || w == "null" {
			continue
		}
		if _, err := strconv.ParseFloat(w, 64); err != nil {
			return false
		}
	}
	return true
}

// endsWithSecretName reports whether text ends with a secret name and '=' or ':' (and blanks).
func endsWithSecretName(text string) bool {
	t := strings.TrimRight(text, " \t")
	if t == "" || t[len(t)-1] != '=' && t[len(t)-1] != ':' {
		return false
	}
	t = strings.TrimRight(t[:len(t)-1], " \t")
	j := len(t)
	for j > 0 && isNameByte(t[j-1]) {
		j--
	}
	return IsSecretName(t[j:])
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

// RedactJSON masks secrets in a JSON text (a whole report, say) and keeps valid JSON valid (see
// redactJSONText).
func RedactJSON(s string) string { return redactJSONText(s, nil) }
