package target

import (
	"strings"
	"testing"
)

func TestIssuerOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://bank.example/.well-known/openid-configuration":              "https://bank.example",
		"https://bank.example/tenant/.well-known/openid-configuration":       "https://bank.example/tenant",
		"http://127.0.0.1:5000/.well-known/oauth-authorization-server":       "http://127.0.0.1:5000",
		"https://bank.example/.well-known/oauth-authorization-server/tenant": "https://bank.example/tenant",
		"https://bank.example/discovery":                                     "",
	} {
		if got, _ := IssuerOf(in); got != want {
			t.Errorf("IssuerOf(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckIssuer(t *testing.T) {
	for _, c := range []struct {
		url, configured, issuer string
		ok                      bool
	}{
		{"https://bank.example/.well-known/openid-configuration", "", "https://bank.example", true},
		{"https://bank.example/.well-known/openid-configuration", "", "https://bank.example/", true},
		{"https://bank.example/.well-known/openid-configuration", "", "https://attacker.example", false},
		{"https://bank.example/.well-known/openid-configuration", "", "https://bank.example/other", false},
		{"https://bank.example/.well-known/openid-configuration", "https://auth.bank.example", "https://auth.bank.example", true},
		{"https://bank.example/.well-known/openid-configuration", "https://auth.bank.example", "https://bank.example", false},
		{"https://bank.example/discovery", "", "https://bank.example/as", true},
		{"https://bank.example/discovery", "", "https://attacker.example", false},
	} {
		tgt := &Target{DiscoveryURL: c.url, Issuer: c.configured}
		err := tgt.checkIssuer(map[string]any{"issuer": c.issuer})
		if (err == nil) != c.ok {
			t.Errorf("%s (target.issuer %q), issuer %q: %v, want ok %v", c.url, c.configured, c.issuer, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), c.issuer) {
			t.Errorf("the error does not name the document's issuer: %v", err)
		}
	}
}
