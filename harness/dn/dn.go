// Package dn holds what the bank and the suites both judge of a subject distinguished name written as
// a string, so that the two cannot drift apart.
package dn

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// cnFirst is UK OBIE DCR 3.4's tls_client_auth_subject_dn pattern (its OpenAPI,
// ^(?=.{1,512}$)[Cc][Nn]=[^,]+(?:,[^,\s]+=[^,]+)*$) without its length look-ahead, which Go's regexp
// lacks (UK34 counts the characters).
var cnFirst = regexp.MustCompile(`^[Cc][Nn]=[^,]+(?:,[^,\s]+=[^,]+)*$`)

// UK34 reports whether dn is of UK DCR 3.4's form: 1 to 512 characters, none a line break (which the
// look-ahead's "." does not match), the CN first, then comma-separated attributes.
func UK34(dn string) bool {
	n := utf8.RuneCountInString(dn)
	return n >= 1 && n <= 512 && !strings.ContainsAny(dn, "\n\r\u2028\u2029") && cnFirst.MatchString(dn)
}
