package hostile

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dcrconform/dcrconform/harness/pki"
)

// The origin faults: the target answers like a working bank (it registers, issues tokens, reads,
// updates and deletes, echoing the metadata it is sent) but names a URL of a second listener, the
// Server's Other, where the harness must send nothing.
const (
	CrossOriginURI  Mode = "cross-origin-client-uri" // registration_client_uri at another origin (https, a trusted certificate)
	PlainHTTPURI    Mode = "http-client-uri"         // registration_client_uri over plain http
	DiscoveryOrigin Mode = "discovery-other-origin"  // discovery names endpoints at another origin over plain http
	RotatedURI      Mode = "rotated-client-uri"      // registration_client_uri the bank's own; a read or update moves it to another origin
	MetadataURI     Mode = "metadata-endpoint"       // registration_client_uri http://127.0.0.1:PORT/latest/meta-data/iam/security-credentials/…
	IssuerMismatch  Mode = "issuer-mismatch"         // discovery's issuer is another origin than its URL
)

// OriginModes lists the origin faults (Modes lists the others).
var OriginModes = []Mode{CrossOriginURI, PlainHTTPURI, DiscoveryOrigin, RotatedURI, MetadataURI, IssuerMismatch}

// MetadataPath is where MetadataURI points, the path of a cloud metadata service's credentials.
const MetadataPath = "/latest/meta-data/iam/security-credentials/dcrconform-role"

// Received is one request the second listener got.
type Received struct {
	Method, URL string
	Header      http.Header
	Body        string
	ClientCert  bool // a client certificate was presented
}

// Other is the second listener of the origin faults: an origin that is not the bank's. It serves
// https (a certificate the harness trusts) and plain http on one port, and records every connection
// and request; a metadata-style path is answered with fake cloud credentials.
type Other struct {
	HTTPS, HTTP string // https://127.0.0.1:port and http://127.0.0.1:port

	ln    net.Listener
	srv   *http.Server
	mu    sync.Mutex
	conns int
	got   []Received
	wg    sync.WaitGroup
}

// Received is how many connections the second listener accepted and the requests it got.
func (o *Other) Received() (conns int, reqs []Received) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.conns, slices.Clone(o.got)
}

func startOther(cert tls.Certificate) (*Other, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	o := &Other{HTTPS: "https://" + addr, HTTP: "http://" + addr}
	o.ln = &sniffListener{Listener: ln, tls: &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequestClientCert},
		accepted: func() { o.mu.Lock(); o.conns++; o.mu.Unlock() }}
	o.srv = &http.Server{Handler: http.HandlerFunc(o.serve), ReadHeaderTimeout: 10 * time.Second, ErrorLog: quietLog()}
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		_ = o.srv.Serve(o.ln)
	}()
	return o, nil
}

func (o *Other) close() {
	o.srv.Close()
	o.wg.Wait()
}

func (o *Other) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	rec := Received{Method: r.Method, URL: r.URL.String(), Header: r.Header.Clone(), Body: string(body),
		ClientCert: r.TLS != nil && len(r.TLS.PeerCertificates) > 0}
	o.mu.Lock()
	o.got = append(o.got, rec)
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if strings.HasPrefix(r.URL.Path, "/latest/meta-data/") {
		fmt.Fprint(w, `{"Code":"Success","AccessKeyId":"ASIAHOSTILEMETADATA1","SecretAccessKey":"hostile/metadata/secret/access/key","Token":"hostile-metadata-session-token"}`)
		return
	}
	if r.Method == http.MethodDelete {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	fmt.Fprint(w, `{"client_id":"other-origin","redirect_uris":["https://tpp.example.com/cb"]}`)
}

// sniffListener hands out TLS connections to clients that start a TLS handshake, plain ones otherwise.
type sniffListener struct {
	net.Listener
	tls      *tls.Config
	accepted func()
}

func (l *sniffListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.accepted()
	br := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	first, err := br.Peek(1)
	_ = c.SetReadDeadline(time.Time{})
	pc := &peekedConn{Conn: c, r: br}
	if err == nil && first[0] == 0x16 { // a TLS handshake record
		return tls.Server(pc, l.tls), nil
	}
	return pc, nil
}

type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// isOriginMode reports whether mode is an origin fault, served by serveOrigin.
func isOriginMode(m Mode) bool { return slices.Contains(OriginModes, m) }

// bankState is the clients the working bank of the origin faults registered.
type bankState struct {
	mu      sync.Mutex
	next    int
	clients map[string]map[string]any
}

// startOrigin starts the second listener of an origin fault, its certificate from ca.
func (s *Server) startOrigin(ca *pki.CA) error {
	cert, err := ca.IssueServer("127.0.0.1", "localhost")
	if err != nil {
		return err
	}
	s.Other, err = startOther(cert)
	s.bank = &bankState{clients: map[string]map[string]any{}}
	return err
}

// clientURI is the registration_client_uri of client id, as the mode hands it out at registration.
func (s *Server) clientURI(id string) string {
	switch s.Mode {
	case CrossOriginURI:
		return s.Other.HTTPS + "/register/" + id
	case PlainHTTPURI:
		return s.Other.HTTP + "/register/" + id
	case MetadataURI:
		return s.Other.HTTP + MetadataPath + "?client_id=" + id
	}
	return s.URL + "/register/" + id
}

// serveOrigin answers as a working bank that names the second listener where the mode says.
func (s *Server) serveOrigin(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == DiscoveryPath:
		issuer, base := s.URL, s.URL
		switch s.Mode {
		case IssuerMismatch:
			issuer = s.Other.HTTPS
		case DiscoveryOrigin:
			base = s.Other.HTTP
		}
		fmt.Fprintf(w, `{"issuer":%q,"registration_endpoint":%q,"token_endpoint":%q,"token_endpoint_auth_methods_supported":["private_key_jwt","tls_client_auth","client_secret_basic"]}`,
			issuer, base+"/register", base+"/token")
	case r.URL.Path == "/token":
		fmt.Fprint(w, `{"access_token":"hostile-access-token","token_type":"Bearer","expires_in":300}`)
	case r.Method == http.MethodPost:
		md := metadataOf(body)
		s.bank.mu.Lock()
		s.bank.next++
		id := fmt.Sprintf("hostile-client-%d", s.bank.next)
		md["client_id"], md["client_secret"], md["registration_access_token"] = id, "hostile-secret-"+id, "hostile-rat-"+id
		md["client_id_issued_at"], md["client_secret_expires_at"] = time.Now().Unix(), 0
		md["registration_client_uri"] = s.clientURI(id)
		s.bank.clients[id] = md
		s.bank.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(md)
	default: // /register/{id}: read, update, delete at the bank's own origin
		id := strings.TrimPrefix(r.URL.Path, "/register/")
		s.bank.mu.Lock()
		md, ok := s.bank.clients[id]
		if ok && r.Method == http.MethodPut {
			update := metadataOf(body)
			for _, k := range []string{"client_id", "client_secret", "registration_access_token", "client_id_issued_at", "client_secret_expires_at"} {
				update[k] = md[k]
			}
			md = update
		}
		if ok && s.Mode == RotatedURI {
			md["registration_client_uri"] = s.Other.HTTPS + "/register/" + id
		}
		if ok {
			s.bank.clients[id] = md
		}
		if r.Method == http.MethodDelete {
			delete(s.bank.clients, id)
		}
		s.bank.mu.Unlock()
		switch {
		case !ok:
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_token"}`)
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		default:
			_ = json.NewEncoder(w).Encode(md)
		}
	}
}

// metadataOf is the client metadata of a registration body: a JSON object, or a JWT's claims (not
// verified: this bank registers anything).
func metadataOf(body []byte) map[string]any {
	md := map[string]any{}
	if json.Unmarshal(body, &md) == nil {
		return md
	}
	parts := strings.Split(strings.TrimSpace(string(body)), ".")
	if len(parts) == 3 {
		if claims, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
			md = map[string]any{}
			if json.Unmarshal(claims, &md) == nil {
				for _, k := range []string{"iss", "aud", "iat", "exp", "jti", "software_statement"} {
					delete(md, k)
				}
				return md
			}
		}
	}
	return map[string]any{}
}
