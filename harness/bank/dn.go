package bank

import (
	"slices"
	"strings"
)

// Short names for attribute types that DNs also spell as OIDs.
var dnAttributeNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU",
	"2.5.4.5": "SERIALNUMBER", "2.5.4.9": "STREET", "2.5.4.17": "POSTALCODE",
}

// sameDN compares two RFC 4514 distinguished names as sets of attribute=value pairs: attribute
// types case-insensitively (OIDs mapped to short names), values exactly, ignoring whitespace around
// separators and the order of attributes.
func sameDN(a, b string) bool {
	na, nb := normaliseDN(a), normaliseDN(b)
	return len(na) > 0 && slices.Equal(na, nb)
}

func normaliseDN(dn string) []string {
	var out []string
	for _, part := range splitUnescaped(dn, ",+;") {
		typ, value, ok := strings.Cut(part, "=")
		if !ok {
			return nil
		}
		typ = strings.ToUpper(strings.TrimSpace(typ))
		if short, known := dnAttributeNames[typ]; known {
			typ = short
		}
		out = append(out, typ+"="+strings.TrimSpace(value))
	}
	slices.Sort(out)
	return out
}

// splitUnescaped splits s at any of seps that is not escaped with a backslash.
func splitUnescaped(s, seps string) []string {
	var parts []string
	start, escaped := 0, false
	for i, r := range s {
		switch {
		case escaped:
			escaped = false
		case r == '\\':
			escaped = true
		case strings.ContainsRune(seps, r):
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}
