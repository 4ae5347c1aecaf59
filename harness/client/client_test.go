package client

import (
	"context"
	"crypto/tls"
	"crypto/x509/pkix"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/harness/transcript"
)

func TestTimeoutFailsWithinTheLimit(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	c := New(Options{Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := c.Do(context.Background(), Request{Method: "GET", URL: srv.URL}, nil)
	if err == nil || !strings.Contains(err.Error(), "no answer within 200ms") {
		t.Fatalf("err = %v, want a timeout naming the limit", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("took %s", time.Since(start))
	}
}

func TestOversizedBodyIsCappedAndReported(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 5000)))
	}))
	defer srv.Close()
	var rec transcript.Recorder
	resp, err := New(Options{MaxBody: 100}).Do(context.Background(), Request{Method: "GET", URL: srv.URL}, &rec)
	if !errors.Is(err, ErrBodyTooLarge) || !strings.Contains(err.Error(), "status 200") {
		t.Fatalf("err = %v, want ErrBodyTooLarge naming the status", err)
	}
	if len(resp.Body) != 100 {
		t.Fatalf("kept %d bytes, want 100", len(resp.Body))
	}
	if ex, _ := rec.Last(); !ex.Truncated || ex.Status != 200 {
		t.Fatalf("transcript = %+v", ex)
	}
}

func TestNonJSONAnswerNamesStatusAndExcerpt(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		w.Write([]byte("<html>Bad Gateway</html>"))
	}))
	defer srv.Close()
	resp, err := New(Options{}).Do(context.Background(), Request{Method: "GET", URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = resp.JSONObject()
	if err == nil || !strings.Contains(err.Error(), "status 502") || !strings.Contains(err.Error(), "Bad Gateway") || !strings.Contains(err.Error(), "text/html") {
		t.Fatalf("err = %v", err)
	}
}

func TestClientCertificateIsPresentedPerRequest(t *testing.T) {
	ca, err := pki.NewCA("test")
	if err != nil {
		t.Fatal(err)
	}
	serverCert, err := ca.IssueServer("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 {
			w.Write([]byte("none"))
			return
		}
		w.Write([]byte(r.TLS.PeerCertificates[0].Subject.CommonName))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: ca.Pool()}
	srv.StartTLS()
	defer srv.Close()
	key, _ := pki.NewECKey()
	leaf, err := ca.IssueClient(pkix.Name{CommonName: "software-a"}, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := ca.TLSCertificate(leaf, key)
	c := New(Options{RootCAs: ca.Pool()})
	var rec transcript.Recorder
	for _, tc := range []struct {
		cert *tls.Certificate
		want string
	}{{&cert, "software-a"}, {nil, "none"}, {&cert, "software-a"}} {
		resp, err := c.Do(context.Background(), Request{Method: "GET", URL: srv.URL, Cert: tc.cert}, &rec)
		if err != nil {
			t.Fatal(err)
		}
		if string(resp.Body) != tc.want {
			t.Errorf("server saw %q, want %q", resp.Body, tc.want)
		}
	}
	if ex := rec.Exchanges(); len(ex) != 3 || ex[0].ClientCert != "CN=software-a" || ex[1].ClientCert != "" {
		t.Errorf("transcript client certs = %+v", ex)
	}
}
