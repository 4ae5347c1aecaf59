package config

import (
	"strings"
	"testing"
)

// TestErrorsNameLineColumnAndField: a typo, a wrong type and an invalid value each name where they are.
func TestErrorsNameLineColumnAndField(t *testing.T) {
	for _, c := range []struct{ name, yaml, want string }{
		{"typo", "profile: uk\ntarget:\n  nmae: x\n", "line 3, column 3: target.nmae: unknown field; the fields of target are allow_http"},
		{"top-level typo", "profle: uk\n", "line 1, column 1: profle: unknown field; the fields of the top level are container, directory"},
		{"wrong type", "profile: uk\ntarget:\n  timeout: [1]\n", "line 3, column 3: target.timeout: want a string, got a list"},
		{"invalid value", "profile: uk\ntarget:\n  discovery_url: https://bank.example/.well-known/openid-configuration\n  timeout: 1h\n", "line 4, column 3: target.timeout: 1h0m0s is outside 0 to 5m"},
		{"list item", "profile: rfc7591\ntarget:\n  discovery_url: https://bank.example/.well-known/openid-configuration\nexpected_failures:\n- {id: RFC-REG-001, reason: r}\n- {id: X}\n", "line 6, column 3: expected_failures[1].reason: required"},
	} {
		_, err := Parse([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v\nwant it to say %q", c.name, err, c.want)
		}
	}
}
