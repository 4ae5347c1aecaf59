package hostile

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/pki"
)

// Every mode produces its fault at the harness's client, and the client's error or the response names it.
func TestEveryModeFaultsTheClient(t *testing.T) {
	want := map[Mode]string{
		Hang:          "no answer within 300ms",
		Drip:          "the body did not arrive within 300ms",
		Garbage:       "invalid JSON at byte 1",
		Body10MB:      "response body too large",
		Body1GB:       "response body too large",
		UntrustedCert: "certificate signed by unknown authority",
		WrongHost:     "bank.example",
		RedirectLoop:  "redirect refused to /register",
		RedirectAway:  "redirect refused to https://attacker.example/register",
		Reset:         "the connection broke after 17 bytes",
		DeepJSON:      "nested deeper than 32 levels",
		DeadEndpoints: "status 404", // its fault is in the discovery document, checked below
		WrongTypes:    `"client_id":12345`,
		HugeHeaders:   "response headers larger than 65536 bytes",
		HugeHeadersH2: "response headers over the harness's 65536-byte cap",
		Status500:     "status 500",
		Status503:     "status 503 (Retry-After: 120",
		EchoSecrets:   `"registration_access_token":"HostileRAT/`,
		HugeClientID:  `"client_id":"ccccccccccccccccc`,
		ControlIDs:    `"client_id":"ctl-\u001b[2J\u001b]0;pwned\u0007\r`,
	}
	if len(want) != len(Modes) {
		t.Fatalf("%d modes, %d expectations", len(Modes), len(want))
	}
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			s, err := Start(mode, Options{DripEvery: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			certs, err := pki.ParseCertsPEM(s.CAPEM)
			if err != nil {
				t.Fatal(err)
			}
			pool := x509.NewCertPool()
			for _, c := range certs {
				pool.AddCert(c)
			}
			timeout := 10 * time.Second // a loaded machine under -race is slow to shake hands
			if mode == Hang || mode == Drip {
				timeout = 300 * time.Millisecond
			}
			c := client.New(client.Options{Timeout: timeout, RootCAs: pool})
			defer c.CloseIdleConnections()
			resp, err := c.Do(context.Background(), client.Request{Method: "POST", URL: s.URL + "/register", Body: []byte("{}")}, nil)
			got := ""
			switch {
			case err != nil:
				got = err.Error()
			default:
				got = resp.StatusText() + " " + string(resp.Body)
				if _, jerr := resp.JSONObject(); jerr != nil {
					got += " " + jerr.Error()
				}
			}
			if !strings.Contains(got, want[mode]) {
				t.Errorf("got %.300q, want it to contain %q", got, want[mode])
			}
			if mode == DeadEndpoints {
				resp, err := c.Do(context.Background(), client.Request{Method: "GET", URL: s.URL + DiscoveryPath}, nil)
				if err != nil {
					t.Fatal(err)
				}
				doc, _ := resp.JSONObject()
				reg, _ := doc["registration_endpoint"].(string)
				if _, err := c.Do(context.Background(), client.Request{Method: "POST", URL: reg}, nil); err == nil || !strings.Contains(err.Error(), "connection refused") {
					t.Errorf("registration_endpoint %s: %v, want connection refused", reg, err)
				}
			}
		})
	}
}

// EchoSecrets echoes the credential it is sent in every form, in the body and in headers.
func TestEchoSecretsEchoes(t *testing.T) {
	s, err := Start(EchoSecrets, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	certs, _ := pki.ParseCertsPEM(s.CAPEM)
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	c := client.New(client.Options{Timeout: 10 * time.Second, RootCAs: pool})
	defer c.CloseIdleConnections()
	const tok = "Initial/Tok+en=42"
	req := client.Request{Method: "POST", URL: s.URL + "/register", Body: []byte("{}"), Header: map[string][]string{"Authorization": {"Bearer " + tok}}}
	resp, err := c.Do(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	all := string(resp.Body) + fmt.Sprint(resp.Header)
	for name, f := range echoForms(tok) {
		if !strings.Contains(all, f) {
			t.Errorf("%s form %q not echoed:\n%s", name, f, all)
		}
	}
	if !strings.Contains(string(resp.Body), `"echo_escaped":"Initial\/Tok+en=42"`) {
		t.Errorf("no PHP-style JSON escape: %s", resp.Body)
	}
	if got := s.Received(); len(got) != 1 || got[0] != tok {
		t.Errorf("Received() = %q", got)
	}
}
