package framework

import "testing"

// A check is held to the strongest level among the requirements it cites that the spec names (all of
// them when the spec names none), or, citing none, among those the spec names.
func TestLevelOf(t *testing.T) {
	for _, tc := range []struct {
		spec      string   // the spec's requirement field
		cites     []string // what the check cites
		id, class string
	}{
		{"RFC6750-3, RFC6750-3.1", nil, "RFC6750-3", "MUST"},
		{"RFC6750-3, RFC6750-3.1", []string{"RFC6750-3.1"}, "RFC6750-3.1", "SHOULD"},
		{"RFC7592-2, RFC6750-3, RFC6750-3.1", []string{"RFC6750-3"}, "RFC6750-3", "MUST"},
		{"RFC7592-2", []string{"RFC6750-3.1"}, "RFC6750-3.1", "SHOULD"}, // cited, though the spec does not name it
		{"OBD-TPP-CERT", nil, "OBD-TPP-CERT", "SHOULD"},                 // the spec's only requirement
		{"RFC7523-3-JTI", nil, "RFC7523-3-JTI", "MAY"},                  // a choice the RFC leaves the bank
		{"OIDD-3, OBIE-DCR-3.3-DISCOVERY", []string{"OBIE-DCR-3.3-DISCOVERY"}, "OBIE-DCR-3.3-DISCOVERY", "SHOULD"},
		{"RFC6750-3", []string{"NOT-IN-THE-REGISTER"}, "NOT-IN-THE-REGISTER", "MUST"}, // unknown: MUST
	} {
		f := &Framework{Scenario: Scenario{ID: "X-1", Requirement: tc.spec}}
		id, _, class := f.levelOf(tc.cites...)
		if id != tc.id || class != tc.class {
			t.Errorf("spec %q citing %v: held to %s (%s), want %s (%s)", tc.spec, tc.cites, id, class, tc.id, tc.class)
		}
	}
}
