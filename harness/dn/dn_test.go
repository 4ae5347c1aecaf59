package dn

import (
	"strings"
	"testing"
)

func TestUK34(t *testing.T) {
	for dn, want := range map[string]bool{
		"CN=tpp,O=TPP Ltd,C=GB":          true,
		"cn=tpp":                         true,
		"C=GB,O=TPP Ltd,CN=tpp":          false, // X.509 order, the CN last
		"":                               false,
		"CN=tpp,\nO=TPP Ltd":             false,
		"CN=" + strings.Repeat("é", 509): true, // 512 characters, more bytes
		"CN=" + strings.Repeat("a", 510): false,
		"CN=tpp, O=TPP Ltd":              false, // a space before an attribute type
	} {
		if got := UK34(dn); got != want {
			t.Errorf("UK34(%q) = %v, want %v", dn, got, want)
		}
	}
}
