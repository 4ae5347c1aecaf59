package framework

import (
	"reflect"
	"testing"

	"github.com/dcrconform/dcrconform/harness/target"
)

func TestAssertionAudienceFollowsTheConfiguration(t *testing.T) {
	const tok, iss = "https://bank.example/token", "https://bank.example"
	for _, tc := range []struct {
		setting, issuer string
		want            any
	}{
		{"", iss, []string{tok, iss}},
		{target.AssertionAudienceBoth, iss, []string{tok, iss}},
		{target.AssertionAudienceToken, iss, tok},
		{target.AssertionAudienceIssuer, iss, iss},
		{"", "", tok}, // no issuer known: the token endpoint alone
		{target.AssertionAudienceIssuer, "", tok}, // the issuer asked for but unknown
		{"", tok, tok}, // one value, not an array of two equal ones
	} {
		got := AssertionAudience(&target.Target{Token: tok, Issuer: tc.issuer, AssertionAudience: tc.setting})
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("assertion_audience %q, issuer %q: aud %#v, want %#v", tc.setting, tc.issuer, got, tc.want)
		}
	}
}
