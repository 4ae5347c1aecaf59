package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A spec reports every check one answer fails, in one failure: not the first mismatch alone.
func TestEveryMismatchOfAnAnswerInOneFailure(t *testing.T) {
	for _, tc := range []struct {
		defect, spec string
		want         []string // each an "expected:" line of the failure
	}{
		// 201 to a registration without the initial access token: the status and the missing challenge.
		{"rfc7591-skip-initial-access-token", "RFC-REG-N01", []string{"expected: status 401", "expected: a WWW-Authenticate: Bearer challenge"}},
		// A 201 without either RFC 7592 member: both named.
		{"rfc7592-omit-registration-token", "RFC-REG-001", []string{"expected: a registration_access_token", "expected: a registration_client_uri"}},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			jsonPath := filepath.Join(t.TempDir(), "run.json")
			r := runChild(t, plainBinary(t), "--defect", tc.defect, "--focus", tc.spec, "--json", jsonPath)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\n%s", r.code, r.stdout)
			}
			run := readRunRecord(t, jsonPath)
			for _, s := range run.Specs {
				if s.ID != tc.spec {
					continue
				}
				for _, w := range tc.want {
					if !strings.Contains(s.Reason, w) {
						t.Errorf("%s's failure lacks %q:\n%s", tc.spec, w, s.Reason)
					}
				}
				if strings.Count(s.Expected, "; ") < len(tc.want)-1 {
					t.Errorf("the report's expected %q does not list every mismatch", s.Expected)
				}
				return
			}
			t.Fatalf("no %s in the report", tc.spec)
		})
	}
}
