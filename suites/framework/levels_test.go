package framework

import (
	"testing"

	"github.com/dcrconform/dcrconform/harness/target"
)

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

// A check citing entries of several UK DCR versions is held to the target's version's.
func TestLevelOfVersion(t *testing.T) {
	const spec = "OBIE-DCR-3.3-APPLICATION-TYPE, OBIE-DCR-3.4-APPLICATION-TYPE, RFC7591-3.2.2-METADATA"
	for version, want := range map[string]string{"": "OBIE-DCR-3.3-APPLICATION-TYPE", "3.1": "OBIE-DCR-3.3-APPLICATION-TYPE",
		"3.4": "OBIE-DCR-3.4-APPLICATION-TYPE"} {
		f := &Framework{Scenario: Scenario{ID: "UK-REG-N31", Profile: "uk", Requirement: spec}, Target: &target.Target{Version: version}}
		if id, _, _ := f.levelOf(); id != want {
			t.Errorf("at version %q: held to %s, want %s", version, id, want)
		}
	}
}
