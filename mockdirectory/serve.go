package mockdirectory

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"
)

// DefaultAddr is where the standalone directory listens by default.
const DefaultAddr = "127.0.0.1:8443"

// Caps of every listener of the directory, as the reference bank's: request headers of at most
// MaxHeaderBytes (Go's default is 1 MiB), and at most MaxConnsPerClient connections open at once from
// one client address (those beyond are closed at once).
const (
	MaxHeaderBytes    = 64 << 10
	MaxConnsPerClient = 128
)

// HTTPServer serves h with the timeouts and caps every listener of the directory needs, so that no
// client can hold a connection open or take its memory.
func HTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    MaxHeaderBytes,
		ConnState:         limitConnsPerClient(MaxConnsPerClient),
	}
}

// limitConnsPerClient is a ConnState hook that closes a new connection when its client already holds
// max open ones.
func limitConnsPerClient(max int) func(net.Conn, http.ConnState) {
	var mu sync.Mutex
	open := map[string]int{}
	return func(c net.Conn, state http.ConnState) {
		host, _, err := net.SplitHostPort(c.RemoteAddr().String())
		if err != nil {
			host = c.RemoteAddr().String()
		}
		mu.Lock()
		defer mu.Unlock()
		switch state {
		case http.StateNew:
			open[host]++
			if open[host] > max {
				c.Close()
			}
		case http.StateClosed, http.StateHijacked:
			if open[host]--; open[host] <= 0 {
				delete(open, host)
			}
		}
	}
}

// ServeOptions configure Serve.
type ServeOptions struct {
	Addr       string // host:port, default DefaultAddr; port 0 picks a free port
	StateDir   string // "" = in memory
	AdminToken string // "" disables the admin API
	SeedFile   string
	TLS        bool // serve HTTPS with a server certificate from the directory's own CA
	// CertFile and KeyFile, when given, are the server certificate chain and key the operator gives (PEM):
	// HTTPS with them rather than with one from the directory's CA.
	CertFile, KeyFile string
	// SweepEvery is how often runs whose lease expired are removed (default time.Minute).
	SweepEvery time.Duration
	BaseURL    string // public base URL; default scheme://host:port of the listener
	Logger     *slog.Logger
	Now        func() time.Time
	// Ready, if set, is called once the server listens, with the directory and its base URL.
	Ready func(d *Directory, baseURL string)
	// ShutdownTimeout bounds the graceful shutdown once ctx is done (default 5s).
	ShutdownTimeout time.Duration
}

var hostPattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$`)

// CheckAddr reports whether addr is a usable host:port listen address (port 0 picks a free port).
func CheckAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host != "" && net.ParseIP(host) == nil && !hostPattern.MatchString(host) {
		return fmt.Errorf("bad host %q", host)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("bad port %q: want 0 to 65535", port)
	}
	return nil
}

// CheckBaseURL reports whether u is an absolute http(s) URL with a host and no query or fragment.
func CheckBaseURL(u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return err
	}
	if p.Scheme != "http" && p.Scheme != "https" {
		return errors.New("scheme must be http or https")
	}
	if p.Host == "" {
		return errors.New("host is missing")
	}
	if p.RawQuery != "" || p.Fragment != "" || p.User != nil {
		return errors.New("must not carry a query, fragment or user info")
	}
	return nil
}

// Serve runs a directory on opts.Addr until ctx is done, then shuts down gracefully.
func Serve(ctx context.Context, opts ServeOptions) error {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if err := CheckAddr(opts.Addr); err != nil {
		return fmt.Errorf("addr %q: %w", opts.Addr, err)
	}
	if opts.BaseURL != "" {
		if err := CheckBaseURL(opts.BaseURL); err != nil {
			return fmt.Errorf("base URL %q: %w", opts.BaseURL, err)
		}
	}
	d, err := New(Config{StateDir: opts.StateDir, AdminToken: opts.AdminToken, SeedFile: opts.SeedFile, Now: opts.Now, Logger: log})
	if err != nil {
		return err
	}
	defer d.Close() // after the server has shut down (deferred calls run last in, first out)
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()

	host, _, _ := net.SplitHostPort(opts.Addr)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	publicHost := host
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		publicHost = "127.0.0.1"
	}
	if (opts.CertFile == "") != (opts.KeyFile == "") {
		return errors.New("give both a server certificate and its key, or neither")
	}
	var operatorCert *tls.Certificate
	if opts.CertFile != "" {
		c, err := tls.LoadX509KeyPair(opts.CertFile, opts.KeyFile)
		if err != nil {
			return fmt.Errorf("server certificate: %w", err)
		}
		operatorCert, opts.TLS = &c, true
	}
	scheme := "http"
	if opts.TLS {
		scheme = "https"
	}
	base := opts.BaseURL
	if base == "" {
		base = scheme + "://" + net.JoinHostPort(publicHost, port)
	}
	d.SetBaseURL(base)

	srv := HTTPServer(logRequests(log, d.Handler()))
	srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	if opts.TLS && operatorCert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*operatorCert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	} else if opts.TLS {
		hosts := []string{"localhost", "127.0.0.1", "::1"}
		if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
			hosts = append([]string{u.Hostname()}, hosts...)
		}
		if host != "" && !slices.Contains(hosts, host) {
			hosts = append(hosts, host)
		}
		cert, err := d.CA().IssueServer(uniq(hosts)...)
		if err != nil {
			return err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	sweepCtx, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	go sweepRuns(sweepCtx, d, opts.SweepEvery, log)
	log.Info("directory serving", "base_url", base, "addr", ln.Addr().String(), "tls", opts.TLS,
		"state", stateDesc(opts.StateDir), "admin_api", opts.AdminToken != "", "jwks", base+DirectoryJWKSPath, "ca_bundle", base+CABundlePath)
	if opts.Ready != nil {
		opts.Ready(d, base)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	timeout := opts.ShutdownTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	log.Info("directory shutting down")
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// sweepRuns removes the runs whose lease expired, every interval (default a minute), until ctx is done.
func sweepRuns(ctx context.Context, d *Directory, every time.Duration, log *slog.Logger) {
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			end, err := d.ExpireRuns()
			if err != nil {
				log.Error("expiring runs", "err", err)
			} else if end.Runs > 0 {
				log.Info("expired runs removed", "runs", end.Runs, "organisations", end.Organisations, "software", end.Software)
			}
		}
	}
}

func uniq(s []string) []string {
	var out []string
	for _, v := range s {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func stateDesc(dir string) string {
	if dir == "" {
		return "memory"
	}
	return dir
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// logRequests logs each request's method, path, status, size and duration: never headers or bodies
// (which hold bearer tokens and private keys).
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "bytes", rec.bytes,
			"duration", time.Since(start).Round(time.Microsecond), "remote", r.RemoteAddr)
	})
}
