package transcript

import (
	"strings"
	"sync"
)

// Which names carry secrets. One rule for JSON members, form fields, query parameters, header names and
// "name: value" or "name=value" in free text: the name is compared lower-cased with '_' and '-' removed,
// so accessToken, Access-Token and ACCESS_TOKEN are all access_token.

// secretExact are normalised names that are secrets whatever their suffix; the one- and two-letter ones
// are the private members of a JWK.
var secretExact = map[string]bool{
	"d": true, "p": true, "q": true, "dp": true, "dq": true, "qi": true, "k": true,
	"authorization": true, "proxyauthorization": true, "cookie": true, "setcookie": true,
	"pwd": true, "passwd": true,
}

// secretSuffixes: any name ending so is a secret (access_token, registration_access_token,
// client_secret, private_key, client_assertion, x_api_key, ...).
var secretSuffixes = []string{"token", "secret", "password", "privatekey", "assertion", "apikey", "credential", "credentials", "passphrase"}

// notSecret are normalised names that end like a secret and are not one: CORS's
// Access-Control-Allow-Credentials is "true" or absent.
var notSecret = map[string]bool{"accesscontrolallowcredentials": true}

// headerNames are names whose "name: value" form in text runs to the end of the line (header lines).
var headerNames = map[string]bool{"authorization": true, "proxyauthorization": true, "cookie": true, "setcookie": true}

var (
	customMu      sync.RWMutex
	customSecrets = map[string]bool{} // normalised names added by SetSecretHeaders
)

// SetSecretHeaders adds header names (from the configuration) whose values are secrets: they are
// masked in recorded headers and, as names, wherever the other secret names are.
func SetSecretHeaders(names ...string) {
	customMu.Lock()
	defer customMu.Unlock()
	for _, n := range names {
		if k := normalizeName(n); k != "" {
			customSecrets[k] = true
		}
	}
}

func normalizeName(name string) string {
	plain := true
	for i := 0; i < len(name) && plain; i++ {
		c := name[i]
		plain = c != '_' && c != '-' && (c < 'A' || c > 'Z')
	}
	if plain {
		return name
	}
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || c == '-':
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// IsSecretName reports whether a JSON member, form field, query parameter or header of that name
// holds a secret.
func IsSecretName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	n := normalizeName(name)
	if secretExact[n] {
		return true
	}
	if notSecret[n] {
		return false
	}
	for _, s := range secretSuffixes {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	customMu.RLock()
	defer customMu.RUnlock()
	return customSecrets[n]
}

// isHeaderName: a secret whose "Name: value" text form is a header line (value to the end of the line).
func isHeaderName(name string) bool {
	n := normalizeName(name)
	if headerNames[n] {
		return true
	}
	customMu.RLock()
	defer customMu.RUnlock()
	return customSecrets[n]
}
