package hostile

import (
	"context"
	"crypto/x509"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/pki"
)

// Every origin fault hands out a URL of the second listener. A client without a policy reaches it (so
// the listener's record can show a leak); the policy of the bank's discovery URL refuses it, and the
// listener gets no connection at all.
func TestOriginModesNameTheSecondListener(t *testing.T) {
	for _, mode := range OriginModes {
		t.Run(string(mode), func(t *testing.T) {
			s, err := Start(mode, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			pool := x509.NewCertPool()
			certs, err := pki.ParseCertsPEM(s.CAPEM)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range certs {
				pool.AddCert(c)
			}
			ctx := context.Background()
			policy := client.NewPolicy(ctx, false, s.URL+DiscoveryPath)
			guarded := client.New(client.Options{Timeout: 10 * time.Second, RootCAs: pool, Policy: policy})
			open := client.New(client.Options{Timeout: 10 * time.Second, RootCAs: pool})
			foreign := otherURL(t, s, guarded)
			auth := http.Header{"Authorization": {"Bearer hostile-rat"}}
			if _, err := guarded.Do(ctx, client.Request{Method: "GET", URL: foreign, Header: auth}, nil); !client.IsPolicyRefusal(err) || !strings.Contains(err.Error(), foreign) {
				t.Fatalf("GET %s: %v, want a policy refusal naming the URL", foreign, err)
			}
			if conns, reqs := s.Other.Received(); conns != 0 || len(reqs) != 0 {
				t.Fatalf("the second listener got %d connections, %d requests through the policy", conns, len(reqs))
			}
			if _, err := open.Do(ctx, client.Request{Method: "GET", URL: foreign, Header: auth}, nil); err != nil {
				t.Fatalf("without a policy: %v", err)
			}
			if _, reqs := s.Other.Received(); len(reqs) != 1 || reqs[0].Header.Get("Authorization") == "" {
				t.Fatalf("the second listener did not record the request sent without a policy: %+v", reqs)
			}
		})
	}
}

// otherURL is the URL of the second listener the mode hands out: in discovery, at registration, or
// after a read.
func otherURL(t *testing.T, s *Server, c *client.Client) string {
	t.Helper()
	ctx := context.Background()
	resp, err := c.Do(ctx, client.Request{Method: "GET", URL: s.URL + DiscoveryPath}, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := resp.JSONObject()
	switch s.Mode {
	case IssuerMismatch:
		return doc["issuer"].(string) + "/register"
	case DiscoveryOrigin:
		return doc["registration_endpoint"].(string)
	}
	resp, err = c.Do(ctx, client.Request{Method: "POST", URL: s.URL + "/register", Body: []byte(`{"redirect_uris":["https://tpp.example.com/cb"]}`)}, nil)
	if err != nil || resp.Status != http.StatusCreated {
		t.Fatalf("registration: %v %+v", err, resp)
	}
	md, _ := resp.JSONObject()
	uri := md["registration_client_uri"].(string)
	if s.Mode == RotatedURI {
		if !strings.HasPrefix(uri, s.URL) {
			t.Fatalf("the first registration_client_uri %s is not the bank's", uri)
		}
		resp, err = c.Do(ctx, client.Request{Method: "GET", URL: uri}, nil)
		if err != nil || resp.Status != http.StatusOK {
			t.Fatalf("read: %v %+v", err, resp)
		}
		md, _ = resp.JSONObject()
		uri = md["registration_client_uri"].(string)
	}
	if !strings.HasPrefix(uri, s.Other.HTTPS) && !strings.HasPrefix(uri, s.Other.HTTP) {
		t.Fatalf("registration_client_uri %s is not the second listener's", uri)
	}
	return uri
}
