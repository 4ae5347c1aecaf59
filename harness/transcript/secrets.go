package transcript

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
)

// Masking by value. Every secret the harness holds or is handed (configured tokens and passwords, the
// tokens, client secrets and assertions it receives or mints, private key material) is registered here
// as it appears, with the forms a bank might echo it in: raw, URL-encoded, JSON-escaped, base64 (and the
// base64 of Basic credentials). MaskSecrets then masks every form wherever it shows up, in any letter
// case, whatever name (or none) it stands under. Names and shapes (RedactText) still mask the values
// the harness never saw.
//
// The search is linear in the text: each form is indexed by its last secretKeyLen bytes (lower-cased),
// and every window of the text is looked up once (a bit set of the windows' first two bytes rejects most
// of them without a map lookup); a hit is confirmed by comparing at most maxSecretForm bytes.

const (
	// MinSecretLen is the shortest value masked by value: shorter ones would mask ordinary words.
	MinSecretLen  = 8
	secretKeyLen  = 8
	maxSecretForm = 1 << 10 // a longer secret is indexed by its first 1 KiB; a match runs on over the token characters after it
	maxFormBytes  = 32 << 20
)

type secretIndex struct {
	mu     sync.RWMutex
	forms  []string // lower-cased
	cut    []bool   // the form is the first maxSecretForm bytes of a longer one
	byTail map[uint64][]int32
	pairs  [1 << 16 / 64]uint64 // the first two bytes of every form's tail window
	known  map[string]bool      // registered values and forms
	bytes  int
}

var secrets = &secretIndex{byTail: map[uint64][]int32{}, known: map[string]bool{}}

// AddSecret registers secret values (and their encoded forms) for masking by value. Values shorter than
// MinSecretLen, and masks, are ignored.
func AddSecret(values ...string) {
	for _, v := range values {
		if !worthMasking(v) || secrets.knows(v) {
			continue
		}
		secrets.add(v, formsOf(v))
	}
}

// AddBasicCredentials registers the password of HTTP Basic credentials and the base64 token they make.
func AddBasicCredentials(user, password string) {
	AddSecret(password)
	if password != "" {
		AddSecret(base64.StdEncoding.EncodeToString([]byte(user + ":" + password)))
	}
}

// AddPrivateKeyPEM registers the base64 lines of every private key block of a PEM text: a key echoed
// whole or in part is masked line by line.
func AddPrivateKeyPEM(pemText []byte) {
	in := false
	for _, line := range strings.Split(string(pemText), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "-----BEGIN"):
			in = strings.Contains(line, "PRIVATE KEY")
		case strings.HasPrefix(line, "-----END"):
			in = false
		case in && len(line) >= 16 && !strings.Contains(line, ":"):
			AddSecret(line)
		}
	}
}

// learnSecret registers a value the redactor found under a secret name or in a secret's shape.
func learnSecret(v string) {
	v = strings.TrimSpace(v)
	if !worthMasking(v) {
		return
	}
	if isJWT(v) { // its signature is what makes it a credential; the rest is shown decoded
		if parts := strings.Split(v, "."); len(parts[2]) >= 16 {
			AddSecret(parts[2])
		}
		return
	}
	AddSecret(v)
	if strings.ContainsAny(v, "%+") { // a form or query value: also what it decodes to
		if d, err := url.QueryUnescape(v); err == nil && d != v {
			AddSecret(d)
		}
	}
}

// learnCredential registers an Authorization-style value: the credential after a scheme, and for Basic
// the password it carries.
func learnCredential(v string) {
	scheme, cred, found := strings.Cut(strings.TrimSpace(v), " ")
	if !found || !isScheme(scheme) {
		learnSecret(v)
		return
	}
	cred = strings.TrimSpace(cred)
	learnSecret(cred)
	if strings.EqualFold(scheme, "Basic") {
		if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
			if user, pass, ok := strings.Cut(string(dec), ":"); ok {
				AddBasicCredentials(user, pass)
			}
		}
	}
}

func worthMasking(v string) bool {
	return len(v) >= MinSecretLen && !strings.Contains(v, "REDACTED_")
}

// formsOf lists v as a bank might echo it: raw, URL-encoded, base64, JSON-escaped (as Go, PHP, Python
// and JavaScript write it; also escaped twice, JSON in JSON), and, for a value with characters those
// encodings change, each run of 12 or more characters they keep as they are (its random core).
func formsOf(v string) []string {
	forms := []string{v, url.QueryEscape(v), url.PathEscape(v),
		base64.RawStdEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v))}
	var jsonForms []string
	for _, j := range []string{jsonEscape(v, false), jsonEscape(v, true), asciiJSON(v)} {
		jsonForms = append(jsonForms, j, strings.ReplaceAll(j, "/", `\/`))
	}
	for _, j := range jsonForms {
		forms = append(forms, j, jsonEscape(j, false))
	}
	for _, run := range strings.FieldsFunc(v, func(r rune) bool { return r >= 0x80 || !isUnreserved(byte(r)) }) {
		if len(run) >= 12 && run != v {
			forms = append(forms, run)
		}
	}
	return forms
}

// jsonEscape is v inside a JSON string as Go writes it (html: <, > and & as \u003c).
func jsonEscape(v string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	if enc.Encode(v) != nil {
		return v
	}
	q := strings.TrimSuffix(b.String(), "\n")
	return q[1 : len(q)-1]
}

// asciiJSON is v inside a JSON string with every non-ASCII character as \uXXXX (Python, PHP).
func asciiJSON(v string) string {
	var b strings.Builder
	for _, r := range jsonEscape(v, false) {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

func isUnreserved(c byte) bool { return isNameByte(c) || c == '.' || c == '~' }

func (x *secretIndex) knows(v string) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.known[v]
}

func (x *secretIndex) add(v string, forms []string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.known[v] || x.bytes >= maxFormBytes {
		return
	}
	x.known[v] = true
	for _, f := range forms {
		cut := len(f) > maxSecretForm
		if cut {
			f = f[:maxSecretForm]
		}
		f = lowerASCII(f)
		if len(f) < MinSecretLen || x.known["\x00"+f] || x.bytes+len(f) > maxFormBytes {
			continue
		}
		x.known["\x00"+f] = true
		x.bytes += len(f)
		id := int32(len(x.forms))
		x.forms = append(x.forms, f)
		x.cut = append(x.cut, cut)
		tail := f[len(f)-secretKeyLen:]
		k := windowKey(tail)
		x.byTail[k] = append(x.byTail[k], id)
		p := uint16(tail[0])<<8 | uint16(tail[1])
		x.pairs[p/64] |= 1 << (p % 64)
	}
}

// MaskSecrets masks every registered secret, in any of its forms and any letter case, in s.
func MaskSecrets(s string) string {
	x := secrets
	if len(s) < MinSecretLen {
		return s
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if len(x.forms) == 0 {
		return s
	}
	var spans [][2]int
	for j := 0; j+secretKeyLen <= len(s); j++ {
		if s[j] == 'R' {
			if n := maskLenAt(s, j); n > 0 {
				j += n - 1
				continue
			}
		}
		p := uint16(lower(s[j]))<<8 | uint16(lower(s[j+1]))
		if x.pairs[p/64]&(1<<(p%64)) == 0 {
			continue
		}
		ids := x.byTail[windowKey(s[j:j+secretKeyLen])]
		if ids == nil {
			continue
		}
		end := j + secretKeyLen
		start, cut := -1, false
		for _, id := range ids {
			f := x.forms[id]
			st := end - len(f)
			if st >= 0 && (start < 0 || st < start) && equalLowerASCII(s[st:end], f) {
				start, cut = st, x.cut[id]
			}
		}
		if start < 0 {
			continue
		}
		if cut {
			for end < len(s) && isTokenByte(s[end]) {
				end++
			}
		}
		for len(spans) > 0 && spans[len(spans)-1][1] >= start {
			last := spans[len(spans)-1]
			start, end = min(start, last[0]), max(end, last[1])
			spans = spans[:len(spans)-1]
		}
		spans = append(spans, [2]int{start, end})
		j = max(j, end-secretKeyLen) // an echo overlapping this one ends in a later window
	}
	if spans == nil {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp[0]])
		b.WriteString("REDACTED_" + strconv.Itoa(sp[1]-sp[0]) + "_chars")
		last = sp[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// maskLenAt is the length of the mask "REDACTED_<n>_chars" at s[j:], or 0.
func maskLenAt(s string, j int) int {
	const head, tail = "REDACTED_", "_chars"
	if !strings.HasPrefix(s[j:], head) {
		return 0
	}
	k := j + len(head)
	d := k
	for k < len(s) && s[k] >= '0' && s[k] <= '9' {
		k++
	}
	if k == d || !strings.HasPrefix(s[k:], tail) {
		return 0
	}
	return k + len(tail) - j
}

func isTokenByte(c byte) bool {
	return isNameByte(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '=' || c == '%'
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for k := i; k < len(b); k++ {
				b[k] = lower(b[k])
			}
			return string(b)
		}
	}
	return s
}

// equalLowerASCII: a equals the lower-cased f, ignoring ASCII case.
func equalLowerASCII(a, f string) bool {
	for i := 0; i < len(f); i++ {
		if lower(a[i]) != f[i] {
			return false
		}
	}
	return true
}

func windowKey(w string) uint64 {
	var k uint64
	for i := 0; i < secretKeyLen; i++ {
		k = k<<8 | uint64(lower(w[i]))
	}
	return k
}

// resetSecrets forgets every registered secret (tests).
func resetSecrets() {
	secrets.mu.Lock()
	defer secrets.mu.Unlock()
	secrets.forms, secrets.cut, secrets.bytes = nil, nil, 0
	secrets.byTail, secrets.known = map[uint64][]int32{}, map[string]bool{}
	secrets.pairs = [len(secrets.pairs)]uint64{}
}
