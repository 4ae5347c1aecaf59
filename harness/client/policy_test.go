package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestPolicyCheck(t *testing.T) {
	ctx := context.Background()
	public := NewPolicy(ctx, false, "https://bank.example/.well-known/openid-configuration")
	public.Allow("https://mtls.bank.example:8443/token")
	loop := NewPolicy(ctx, true, "http://127.0.0.1:4444/.well-known/openid-configuration")
	for _, c := range []struct {
		p    *Policy
		url  string
		rule string // "" allowed
	}{
		{public, "https://bank.example/register", ""},
		{public, "https://BANK.example:443/register/abc", ""},
		{public, "https://mtls.bank.example:8443/register", ""},
		{public, "http://bank.example/register", RuleTLS},
		{public, "https://bank.example:8443/register", RuleOrigin},
		{public, "https://attacker.example/register", RuleOrigin},
		{public, "file:///etc/passwd", RuleScheme},
		{public, "gopher://bank.example/", RuleScheme},
		{loop, "http://127.0.0.1:4444/oauth2/register", ""},
		{loop, "http://127.0.0.1:9999/latest/meta-data/", RuleOrigin},
	} {
		err := c.p.Check(c.url)
		var pe *PolicyError
		switch {
		case c.rule == "" && err != nil:
			t.Errorf("%s: %v, want allowed", c.url, err)
		case c.rule != "" && (!errors.As(err, &pe) || pe.Rule != c.rule):
			t.Errorf("%s: %v, want the rule %q", c.url, err, c.rule)
		case c.rule != "" && !strings.Contains(err.Error(), c.url):
			t.Errorf("%s: the refusal does not name the URL: %v", c.url, err)
		}
	}
}

// An address of a class the bank's own URL is not in is refused, as a literal and when a name resolves
// to it (checked on the dial).
func TestPolicyAddressRule(t *testing.T) {
	ctx := context.Background()
	public := NewPolicy(ctx, false, "https://93.184.215.14/.well-known/openid-configuration")
	for _, u := range []string{"https://169.254.169.254/latest/meta-data/", "https://10.0.0.1/", "https://[fe80::1]/", "https://127.0.0.1/", "https://0.0.0.0/"} {
		public.Allow(u) // even an allowed origin is refused at such an address
		var pe *PolicyError
		if err := public.Check(u); !errors.As(err, &pe) || pe.Rule != RuleAddress {
			t.Errorf("%s: %v, want the address rule", u, err)
		}
	}
	if err := public.Check("https://93.184.215.14/register"); err != nil {
		t.Errorf("the bank's own address: %v", err)
	}
}

// A name that resolves to a refused address is stopped at the dial: the listener gets no connection.
func TestPolicyRefusesTheDial(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, port, _ := strings.Cut(strings.TrimPrefix(srv.URL, "http://"), ":")
	p := NewPolicy(context.Background(), true, "http://bank.example/")
	p.Allow("http://localhost:" + port)
	p.classes = map[string]bool{} // as if the bank's own URL were public
	c := New(Options{Policy: p})
	_, err := c.Do(context.Background(), Request{Method: "GET", URL: "http://localhost:" + port + "/x", Header: http.Header{"Authorization": {"Bearer secret"}}}, nil)
	var pe *PolicyError
	if !errors.As(err, &pe) || pe.Rule != RuleAddress || !strings.Contains(err.Error(), "localhost:"+port) {
		t.Fatalf("err = %v, want the address rule naming the URL", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("the server got %d requests", hits.Load())
	}
	// Allowed where the bank's own URL is loopback.
	p2 := NewPolicy(context.Background(), true, srv.URL)
	if _, err := New(Options{Policy: p2}).Do(context.Background(), Request{Method: "GET", URL: srv.URL + "/x"}, nil); err != nil || hits.Load() != 1 {
		t.Fatalf("loopback bank: err %v, %d requests", err, hits.Load())
	}
}
