// Package bank is the reference bank: a UK OBIE DCR 3.3 authorisation server (registration,
// client_credentials token endpoint, registration management) that the conformance suites run
// against by default. A catalogue of named defects (see Defects) each switches off or corrupts
// exactly one behaviour, so that every suite spec can be shown to catch a real fault.
package bank

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dcrconform/dcrconform/harness/opcount"
	"github.com/dcrconform/dcrconform/harness/pki"
)

// Config configures a Bank.
type Config struct {
	DirectoryJWKSURL    string         // the directory's own key set, which signs SSAs
	DirectoryIssuer     string         // expected SSA iss, default "OpenBanking Ltd"
	CDRJWKSURL          string         // the CDR register's key set, which signs CDR SSAs (default DirectoryJWKSURL)
	CDRIssuer           string         // expected CDR SSA iss, default "cdr-register"
	AdminUser           string         // HTTP Basic credentials of Identity Server registration (default admin)
	AdminPassword       string         // (default: none accepted until set)
	InitialAccessToken  string         // RFC 7591 initial access token of the rfc7591 profile; "" for open registration
	ClientCAs           *x509.CertPool // roots that transport (mTLS) client certs must chain to
	ClientIntermediates *x509.CertPool // optional intermediates
	HTTPClient          *http.Client   // fetches key sets (default: 10s timeout); reads are capped at 1 MiB
	Defects             []string       // names of defects to switch on
	Choices             Choices        // legal behaviours where the specs leave the bank a choice (choices.go)
	Now                 func() time.Time
	Delay               time.Duration // added before every answer (a slow bank, for the --procs benchmark)
	Logger              *slog.Logger  // never given tokens, assertions, secrets or Authorization headers
}

// Bank is the reference bank. It is safe for concurrent use.
type Bank struct {
	cfg        Config
	defects    map[string]bool
	httpClient *http.Client
	now        func() time.Time
	logger     *slog.Logger
	store      *store
	certs      certChecks // what the bank checks of a client certificate

	dirKeysMu sync.Mutex
	dirKeys   map[string]*directoryKeys // by key set URL

	mu     sync.RWMutex
	issuer string

	registering      atomic.Int32  // registrations in flight, for the defect register-500-under-load
	opaqueClientURIs bool          // the defect rfc7592-opaque-client-uri: the configuration URL hides the client_id
	regTokenSeq      atomic.Uint32 // the defect rfc7592-guessable-registration-token's counter

	own ownKeys // the bank's own key set, served at jwksPath
}

// Paths served by the bank.
const (
	discoveryPath = "/.well-known/openid-configuration"
	// oauthMetadataPath publishes the same document at RFC 8414's default location (section 3: a server MAY
	// publish its metadata at several well-known locations derived from its issuer).
	oauthMetadataPath = "/.well-known/oauth-authorization-server"
	registerPath      = "/open-banking/v3.3.0/register"
	tokenPath         = "/oauth2/token"
	// authorizePath is the authorization endpoint discovery names (RFC 8414 section 2 requires one where
	// authorization_code is a grant type): the harness runs no authorization flow, so it refuses every
	// request.
	authorizePath = "/oauth2/authorize"
)

// New builds a bank; it fails on a defect name missing from the catalogue.
func New(cfg Config) (*Bank, error) {
	defects, err := defectSet(cfg.Defects)
	if err != nil {
		return nil, err
	}
	if cfg.DirectoryIssuer == "" {
		cfg.DirectoryIssuer = "OpenBanking Ltd"
	}
	if cfg.CDRIssuer == "" {
		cfg.CDRIssuer = "cdr-register"
	}
	if cfg.CDRJWKSURL == "" {
		cfg.CDRJWKSURL = cfg.DirectoryJWKSURL
	}
	if cfg.AdminUser == "" {
		cfg.AdminUser = "admin"
	}
	if cfg.AdminPassword == "" {
		cfg.AdminPassword = randomID() // no password works until one is configured
	}
	b := &Bank{cfg: cfg, defects: defects, httpClient: cfg.HTTPClient, now: cfg.Now, logger: cfg.Logger, store: newStore()}
	b.opaqueClientURIs = b.has("rfc7592-opaque-client-uri")
	if b.httpClient == nil {
		b.httpClient = &http.Client{Timeout: fetchTimeout}
	}
	if b.now == nil {
		b.now = time.Now
	}
	if b.logger == nil {
		b.logger = slog.New(slog.DiscardHandler)
	}
	b.certs = certChecks{
		validity:   !b.has("accept-expired-client-cert"),
		trust:      !b.has("accept-untrusted-client-cert"),
		clientAuth: !b.has("accept-client-cert-without-client-auth"),
		keyUsage:   !b.has("ignore-client-cert-key-usage"),
		caKeyUsage: !b.has("ignore-ca-key-usage"),
	}
	return b, nil
}

// SetIssuer sets the bank's base URL (e.g. https://127.0.0.1:43211): the discovery issuer, the
// base of its endpoints and the aud that registration requests must carry.
func (b *Bank) SetIssuer(issuer string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.issuer = strings.TrimRight(issuer, "/")
}

// issuerFor is the configured issuer or, before SetIssuer, one derived from the request's host.
func (b *Bank) issuerFor(r *http.Request) string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.issuer != "" {
		return b.issuer
	}
	return "https://" + r.Host
}

// TokenBinding returns the certificate thumbprint (x5t#S256) an access token is bound to; ok is
// false for an unknown or revoked token.
func (b *Bank) TokenBinding(token string) (thumbprint string, ok bool) {
	tok, ok := b.store.token(token)
	return tok.thumbprint, ok
}

// ExpireTokens makes every access token issued to the client expired, for tests.
func (b *Bank) ExpireTokens(clientID string) { b.store.expireTokens(clientID, b.now()) }

// Handler serves the bank's endpoints. Behind a TLS listener it trusts client certificates the
// listener verified, and verifies merely presented ones against Config.ClientCAs itself.
func (b *Bank) Handler() http.Handler { return http.HandlerFunc(b.serveHTTP) }

func (b *Bank) serveHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			b.logger.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
			b.writeError(w, r, newError(http.StatusInternalServerError, errServerError, "internal error"))
		}
	}()
	if b.cfg.Delay > 0 {
		t := time.NewTimer(b.cfg.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if b.cors(w, r) {
		return
	}
	path := r.URL.Path
	d, clientID, profilePath := route(path)
	if d != nil && d.registrationToken && clientID != "" {
		clientID = b.clientOfSegment(clientID)
	}
	switch {
	case path == discoveryPath || path == oauthMetadataPath:
		if allow(w, r, http.MethodGet) {
			b.serveDiscovery(w, r)
			return
		}
	case path == authorizePath:
		if allow(w, r, http.MethodGet, http.MethodPost) {
			b.writeError(w, r, newError(http.StatusBadRequest, errInvalidRequest, "the reference bank runs no authorization flow: it has no End-User to authenticate"))
			return
		}
	case path == jwksPath:
		if allow(w, r, http.MethodGet) {
			b.serveJWKS(w, r)
			return
		}
	case path == tokenPath:
		if allow(w, r, http.MethodPost) {
			b.serveToken(w, r)
			return
		}
	case profilePath && clientID == "":
		if allow(w, r, http.MethodPost) {
			b.serveRegister(w, r, d)
			return
		}
	case profilePath:
		if r.Method != http.MethodGet && r.Method != http.MethodPut && r.Method != http.MethodDelete && b.has("rfc7592-any-method-reads") {
			r.Method = http.MethodGet // a router whose fallback for any other method is the read
		}
		methods := []string{http.MethodGet, http.MethodPut, http.MethodDelete}
		if b.patches(d) {
			methods = append(methods, http.MethodPatch)
		}
		if allow(w, r, methods...) {
			b.serveManage(w, r, d, clientID)
			return
		}
	default:
		b.writeError(w, r, newError(http.StatusNotFound, "not_found", "no such endpoint: %s", path))
		return
	}
	b.writeError(w, r, newError(http.StatusMethodNotAllowed, errInvalidRequest, "method %s not allowed on %s", r.Method, path))
}

// allow reports whether r uses one of methods, setting the Allow header for a 405 when not.
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	return false
}

func validClientID(id string) bool { return id != "" && !strings.Contains(id, "/") && len(id) <= 256 }

// clientCert returns the request's verified transport certificate, or nil.
func (b *Bank) clientCert(r *http.Request) *x509.Certificate {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil
	}
	leaf := r.TLS.PeerCertificates[0]
	if !b.certs.keyUsageAllows(leaf) {
		return nil
	}
	if leaf.NotAfter.Year() >= 2050 && b.has("refuse-generalized-time-validity") { // a notAfter in GeneralizedTime
		return nil
	}
	if len(r.TLS.VerifiedChains) > 0 {
		return leaf
	}
	if b.cfg.ClientCAs == nil {
		return nil
	}
	inter := x509.NewCertPool()
	if b.cfg.ClientIntermediates != nil {
		inter = b.cfg.ClientIntermediates.Clone()
	}
	for _, c := range r.TLS.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	chains, err := leaf.Verify(b.certs.options(leaf, b.cfg.ClientCAs, inter, b.now()))
	opcount.Chains(chains)
	if err != nil && !(b.certs.untrustedOK(err)) {
		return nil
	}
	return leaf
}

// Server is a bank listening on 127.0.0.1 over TLS.
type Server struct {
	URL  string
	Bank *Bank
	// MTLSURL is, under the choice HandshakeClientAuth, a second listener serving the same endpoints
	// that refuses, in the TLS handshake, a client presenting no certificate; "" otherwise.
	MTLSURL string
	srv     *http.Server
	done    chan error
	mtls    *Server

	closeOnce sync.Once
	closeErr  error
}

// Start serves a new bank on 127.0.0.1:<random port> with serverCert, asking for client certificates
// that chain to cfg.ClientCAs, and sets the bank's issuer to the server's URL.
func Start(cfg Config, serverCert tls.Certificate) (*Server, error) {
	b, err := New(cfg)
	if err != nil {
		return nil, err
	}
	s, err := Serve(b, "127.0.0.1:0", serverCert)
	if err != nil {
		return nil, err
	}
	b.SetIssuer(s.URL)
	if cfg.Choices.HandshakeClientAuth {
		if s.mtls, err = serve(b, "127.0.0.1:0", serverCert, tls.RequireAnyClientCert); err != nil {
			_ = s.Close()
			return nil, err
		}
		s.MTLSURL = s.mtls.URL
	}
	return s, nil
}

// Serve serves b over TLS on addr with serverCert, asking for client certificates that chain to the
// bank's ClientCAs (through its ClientIntermediates, which the handler verifies when set).
func Serve(b *Bank, addr string, serverCert tls.Certificate) (*Server, error) {
	return serve(b, addr, serverCert, 0)
}

// serve is Serve; a clientAuth of RequireAnyClientCert refuses a handshake without a client
// certificate (which the handler then verifies, as ever).
func serve(b *Bank, addr string, serverCert tls.Certificate, clientAuth tls.ClientAuthType) (*Server, error) {
	tlsCfg := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		CipherSuites: pki.BCP195Suites(),
		Certificates: []tls.Certificate{serverCert},
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    b.cfg.ClientCAs,
	}
	if b.has("allow-tls11") {
		// TLS 1.0 and 1.1 have no AEAD suite: a bank that allows them keeps the runtime's CBC suites.
		tlsCfg.MinVersion, tlsCfg.CipherSuites = tls.VersionTLS10, nil
	}
	if b.has("tls-legacy-ciphers") {
		tlsCfg.CipherSuites = nil
	}
	if b.has("tls13-only") {
		tlsCfg.MinVersion = tls.VersionTLS13
	}
	if b.cfg.ClientIntermediates != nil || !b.certs.all() {
		// The TLS stack cannot take extra intermediates (nor check less than it does): ask for any certificate (naming no CAs, so
		// that clients sending a leaf alone still send it) and let the handler verify it.
		tlsCfg.ClientAuth, tlsCfg.ClientCAs = tls.RequestClientCert, nil
	}
	if clientAuth == tls.RequireAnyClientCert {
		tlsCfg.ClientAuth = clientAuth
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err // "listen tcp ADDR: ..." says it all
	}
	s := &Server{
		URL:  "https://" + ln.Addr().String(),
		Bank: b,
		done: make(chan error, 1),
		srv: &http.Server{
			Handler:           b.Handler(),
			TLSConfig:         tlsCfg,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       60 * time.Second,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          slog.NewLogLogger(b.logger.Handler(), slog.LevelDebug),
		},
	}
	go func() { s.done <- s.srv.ServeTLS(ln, "", "") }()
	return s, nil
}

// Close stops the server at once. Later calls return the first call's result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if s.mtls != nil {
			_ = s.mtls.Close()
		}
		s.closeErr = s.srv.Close()
		if serveErr := <-s.done; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) && s.closeErr == nil {
			s.closeErr = serveErr
		}
	})
	return s.closeErr
}
