// Package hostile is a DCR target broken on purpose, one fault per mode, for tests that prove the
// harness ends every run in bounded time and memory with each spec failed and the fault named.
package hostile

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dcrconform/dcrconform/harness/pki"
)

// Mode is one fault.
type Mode string

// The faults. Every mode but Hang, UntrustedCert and WrongHost serves a valid discovery document at
// DiscoveryPath (DeadEndpoints' points at ports where nothing listens) and the fault on every other path.
const (
	Hang          Mode = "hang"                // accepts TCP and never answers
	Drip          Mode = "drip"                // headers, then the body one byte per Options.DripEvery
	Garbage       Mode = "garbage"             // 200 (201 to a registration) with a body that is not JSON
	Body10MB      Mode = "body-10mb"           // a 10 MB JSON body
	Body1GB       Mode = "body-1gb"            // a 1 GB body, streamed
	UntrustedCert Mode = "untrusted-cert"      // a server certificate from a CA the harness does not trust
	WrongHost     Mode = "wrong-host"          // a trusted certificate, for another host name
	RedirectLoop  Mode = "redirect-loop"       // 307 to the same URL
	RedirectAway  Mode = "redirect-other-host" // 307 to another host
	Reset         Mode = "reset"               // the connection reset in the middle of the body
	DeepJSON      Mode = "deep-json"           // JSON nested 100,000 deep
	DeadEndpoints Mode = "dead-endpoints"      // discovery points at ports where nothing listens
	WrongTypes    Mode = "wrong-types"         // 201 with client_id a number and redirect_uris a string
	HugeHeaders   Mode = "huge-headers"        // 1 MB of response headers
	HugeHeadersH2 Mode = "huge-headers-h2"     // 1 MB of response headers over HTTP/2
	Status500     Mode = "status-500"          // 500 with an error body
	Status503     Mode = "status-503"          // 503 with Retry-After: 120
)

// Modes lists every mode.
var Modes = []Mode{Hang, Drip, Garbage, Body10MB, Body1GB, UntrustedCert, WrongHost, RedirectLoop, RedirectAway,
	Reset, DeepJSON, DeadEndpoints, WrongTypes, HugeHeaders, HugeHeadersH2, Status500, Status503,
	EchoSecrets, HugeClientID, ControlIDs}

// DiscoveryPath is where the discovery document is served.
const DiscoveryPath = "/.well-known/openid-configuration"

// Options tune a Server; zero values take the defaults.
type Options struct {
	DripEvery time.Duration // Drip's pause between bytes (default 1s)
}

// Server is a running hostile target.
type Server struct {
	Mode   Mode
	URL    string // https://127.0.0.1:port
	CAPEM  []byte // the CA the harness should trust (the one WrongHost's certificate comes from)
	opts   Options
	ln     net.Listener
	srv    *http.Server
	dead   string // DeadEndpoints: a URL where nothing listens
	Other  *Other // the origin faults' second listener (origin.go); nil for the others
	bank   *bankState
	stop   chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
	reg    registrar // the registering modes' state
}

// Start serves mode on a loopback port until Close.
func Start(mode Mode, opts Options) (*Server, error) {
	if !slices.Contains(Modes, mode) && !isOriginMode(mode) {
		return nil, fmt.Errorf("hostile: unknown mode %q", mode)
	}
	if opts.DripEvery <= 0 {
		opts.DripEvery = time.Second
	}
	trusted, err := pki.NewCA("hostile target trusted CA")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Mode: mode, URL: "https://" + ln.Addr().String(), CAPEM: trusted.BundlePEM(), opts: opts, ln: ln, stop: make(chan struct{})}
	if mode == Hang {
		s.wg.Add(1)
		go s.hang()
		return s, nil
	}
	var cert tls.Certificate
	switch mode {
	case UntrustedCert:
		other, err := pki.NewCA("hostile target untrusted CA")
		if err == nil {
			cert, err = other.IssueServer("127.0.0.1", "localhost")
		}
		if err != nil {
			ln.Close()
			return nil, err
		}
	case WrongHost:
		if cert, err = trusted.IssueServer("bank.example"); err != nil {
			ln.Close()
			return nil, err
		}
	default:
		if cert, err = trusted.IssueServer("127.0.0.1", "localhost"); err != nil {
			ln.Close()
			return nil, err
		}
	}
	if isOriginMode(mode) {
		if err := s.startOrigin(trusted); err != nil {
			ln.Close()
			return nil, err
		}
	}
	if mode == DeadEndpoints {
		if s.dead, err = deadURL(); err != nil {
			ln.Close()
			return nil, err
		}
	}
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serve),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, CipherSuites: pki.BCP195Suites()}, // one fault at a time: its TLS is a good bank's
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},                             // HTTP/1.1 only, so Reset can hijack
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          quietLog(),
	}
	if mode == HugeClientID {
		s.srv.MaxHeaderBytes = 4 << 20 // request lines holding the client_id
	}
	if mode == HugeHeadersH2 {
		s.srv.TLSNextProto = nil // HTTP/2 offered
	}
	s.srv.SetKeepAlivesEnabled(mode != Reset)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.srv.ServeTLS(ln, "", "")
	}()
	return s, nil
}

// Close stops the server and every connection it holds.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.stop)
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if s.srv.Shutdown(ctx) != nil {
			s.srv.Close()
		}
	} else {
		s.ln.Close()
	}
	if s.Other != nil {
		s.Other.close()
	}
	s.wg.Wait()
}

// hang accepts connections and holds them without reading or writing.
func (s *Server) hang() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			c.Close()
		} else {
			s.conns = append(s.conns, c)
		}
		s.mu.Unlock()
	}
}

// deadURL is an https URL on a loopback port where nothing listens (it listened a moment ago).
func deadURL() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	return "https://" + addr, nil
}

func (s *Server) discovery(w http.ResponseWriter) {
	base := s.URL
	if s.dead != "" {
		base = s.dead
	}
	w.Header().Set("Content-Type", "application/json")
	// The members a good OpenID Provider lists (OpenID Connect Discovery 3), so that the only fault is
	// the server's own (DeadEndpoints: every endpoint is where nothing listens).
	fmt.Fprintf(w, `{"issuer":%q,"registration_endpoint":%q,"token_endpoint":%q,"authorization_endpoint":%q,"jwks_uri":%q,`+
		`"token_endpoint_auth_methods_supported":["private_key_jwt","tls_client_auth"],"token_endpoint_auth_signing_alg_values_supported":["PS256","ES256"],`+
		`"response_types_supported":["code id_token","code"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["PS256","ES256"],`+
		`"scopes_supported":["openid","accounts"]}`,
		s.URL, base+"/register", base+"/token", base+"/authorize", base+"/jwks")
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.Other != nil {
		s.serveOrigin(w, r)
		return
	}
	if s.Mode.registers() && r.URL.Path != DiscoveryPath {
		s.serveRegistrar(w, r)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	if r.URL.Path == DiscoveryPath {
		s.discovery(w)
		return
	}
	status := http.StatusOK
	if r.Method == http.MethodPost && r.URL.Path != "/token" {
		status = http.StatusCreated
	}
	switch s.Mode {
	case Drip:
		body := `{"client_id":"dripped","redirect_uris":["https://tpp.example.com/cb"]}`
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(status)
		for i := range len(body) {
			w.Write([]byte{body[i]})
			w.(http.Flusher).Flush()
			select {
			case <-time.After(s.opts.DripEvery):
			case <-r.Context().Done():
				return
			case <-s.stop:
				return
			}
		}
	case Garbage:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte("\x00\xff<html>surely JSON}{\x1b[31m\n"))
	case Body10MB:
		const n = 10 << 20
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", fmt.Sprint(n))
		w.WriteHeader(status)
		head, tail := `{"client_id":"`, `"}`
		w.Write([]byte(head))
		s.stream(w, r, n-len(head)-len(tail), 'x')
		w.Write([]byte(tail))
	case Body1GB:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(`{"client_id":"`))
		s.stream(w, r, 1<<30, 'x')
	case RedirectLoop:
		http.Redirect(w, r, r.URL.String(), http.StatusTemporaryRedirect)
	case RedirectAway:
		http.Redirect(w, r, "https://attacker.example"+r.URL.Path, http.StatusTemporaryRedirect)
	case Reset:
		s.reset(w, status)
	case DeepJSON:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(strings.Repeat("[", 100000)))
	case WrongTypes:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(`{"client_id":12345,"redirect_uris":"https://tpp.example.com/cb","token_endpoint_auth_method":"private_key_jwt","access_token":7,"token_type":"Bearer"}`))
	case HugeHeaders, HugeHeadersH2:
		filler := strings.Repeat("h", 1000)
		for i := range 1024 {
			w.Header().Set(fmt.Sprintf("X-Filler-%04d", i), filler)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(`{"client_id":"headers","redirect_uris":["https://tpp.example.com/cb"]}`))
	case Status500:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error":"server_error","error_description":"something broke"}`))
	case Status503:
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("<html><body>Down for maintenance</body></html>"))
	default: // DeadEndpoints: only discovery reaches this server
		http.NotFound(w, r)
	}
}

// stream writes n bytes of c, in chunks, until the client goes away.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, n int, c byte) {
	chunk := []byte(strings.Repeat(string(c), 32<<10))
	for n > 0 {
		if len(chunk) > n {
			chunk = chunk[:n]
		}
		if _, err := w.Write(chunk); err != nil {
			return
		}
		n -= len(chunk)
		select {
		case <-r.Context().Done():
			return
		case <-s.stop:
			return
		default:
		}
	}
}

// reset sends the headers and part of the body, then resets the TCP connection (SO_LINGER 0).
func (s *Server) reset(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "1000")
	w.WriteHeader(status)
	w.Write([]byte(`{"client_id":"cut`))
	w.(http.Flusher).Flush()
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	_ = buf.Flush()
	var tcp *net.TCPConn
	if tc, ok := conn.(*tls.Conn); ok {
		tcp, _ = tc.NetConn().(*net.TCPConn)
	}
	if tcp != nil {
		_ = tcp.SetLinger(0)
		tcp.Close()
		return
	}
	conn.Close()
}

// quietLog drops the server's own complaints (TLS handshakes the harness refused, broken pipes).
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }
