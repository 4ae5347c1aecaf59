package framework

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/embedded"
)

// TestHandshakeRefusalIsRecognisedHoweverItArrives sends 100 registrations without a client certificate
// to a bank that refuses them in the TLS 1.3 handshake. The refusal reaches the client as an alert, a
// reset, a broken pipe or EOF, as timing has it: every one must be recognised as a refusal.
func TestHandshakeRefusalIsRecognisedHoweverItArrives(t *testing.T) {
	env, err := embedded.Start(embedded.Options{Choices: bank.Choices{HandshakeClientAuth: true}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	if env.Bank.MTLSURL == "" {
		t.Fatal("the choice started no listener that requires a client certificate")
	}
	c := client.New(client.Options{Timeout: 5 * time.Second, RootCAs: env.Target.RootCAs})
	body := []byte(strings.Repeat("x", 32<<10)) // a body large enough to be under way when the refusal comes
	kinds := map[string]int{}
	for i := range 100 {
		_, err := c.Do(context.Background(), client.Request{Method: http.MethodPost, URL: env.Bank.MTLSURL + bank.RegistrationPath(bank.ProfileCDR),
			Header: http.Header{"Content-Type": {"application/jwt"}}, Body: body}, nil)
		if !tlsRefusal(err) {
			t.Fatalf("request %d: %v is not recognised as a refusal", i, err)
		}
		kinds[refusalKind(err)]++
	}
	t.Logf("how the refusal arrived: %v", kinds)
}

func refusalKind(err error) string {
	msg := err.Error()
	for _, k := range []string{"remote error: tls:", "connection reset", "broken pipe", "EOF", "http2: client conn"} {
		if strings.Contains(msg, k) {
			return k
		}
	}
	return msg
}

// TestUnreachableIsNotARefusal: nothing listening, a timeout, or a server certificate the harness does
// not trust are not the server refusing the client.
func TestUnreachableIsNotARefusal(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := client.New(client.Options{Timeout: 2 * time.Second})
	_, err = c.Do(context.Background(), client.Request{Method: http.MethodGet, URL: "https://" + addr + "/"}, nil)
	if err == nil || tlsRefusal(err) {
		t.Errorf("connection refused: %v taken as a refusal", err)
	}

	env, err := embedded.Start(embedded.Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	_, err = c.Do(context.Background(), client.Request{Method: http.MethodGet, URL: env.Bank.URL + "/.well-known/openid-configuration"}, nil)
	if err == nil || tlsRefusal(err) {
		t.Errorf("untrusted server certificate: %v taken as a refusal", err)
	}

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			conn, err := silent.Accept()
			if err != nil {
				return
			}
			defer conn.Close() // held open, never answered
		}
	}()
	quick := client.New(client.Options{Timeout: 300 * time.Millisecond})
	_, err = quick.Do(context.Background(), client.Request{Method: http.MethodGet, URL: "https://" + silent.Addr().String() + "/"}, nil)
	if err == nil || tlsRefusal(err) {
		t.Errorf("timeout: %v taken as a refusal", err)
	}
}
