// Package client is the harness's HTTP client: mutual TLS with a per-request client certificate,
// a timeout on every call, a cap on the bytes read, and a transcript of every exchange.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dcrconform/dcrconform/harness/opcount"
	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Defaults for Options.
const (
	DefaultTimeout   = 10 * time.Second
	DefaultMaxBody   = 1 << 20
	DefaultMaxHeader = 64 << 10 // response header bytes; a DCR answer needs a few hundred
)

// Options configure a Client.
type Options struct {
	Timeout time.Duration // per request, including reading the body
	MaxBody int64         // bytes read from a response body at most
	// MaxHeader caps the response headers' bytes; more is an error naming the cap.
	MaxHeader int64
	RootCAs   *x509.CertPool // trust for the target's server certificate; nil means the system pool
	// Policy is where requests may go (see Policy); nil sends anywhere (tests of the client alone).
	Policy *Policy
}

// Client sends requests, each with its own (or no) client certificate.
type Client struct {
	opts Options

	mu         sync.Mutex
	transports map[*tls.Certificate]*http.Transport
}

// New returns a Client; zero options take the defaults.
func New(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.MaxHeader <= 0 {
		opts.MaxHeader = DefaultMaxHeader
	}
	return &Client{opts: opts, transports: map[*tls.Certificate]*http.Transport{}}
}

// Timeout is the per-request timeout.
func (c *Client) Timeout() time.Duration { return c.opts.Timeout }

// Policy is where the client may send; nil when it may send anywhere.
func (c *Client) Policy() *Policy { return c.opts.Policy }

// Request is one HTTP request. Cert is the client certificate to present; nil presents none.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
	Cert   *tls.Certificate
}

// Response is a fully read HTTP response.
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Duration time.Duration
	Exchange transcript.Exchange // the redacted record of this exchange
}

// clip cuts b to at most n bytes, at the start of a UTF-8 sequence.
func clip(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return b[:n]
}

// ErrBodyTooLarge means the response body exceeded Options.MaxBody.
var ErrBodyTooLarge = errors.New("response body too large")

// ErrRedirect means the target answered a redirect, which the harness refuses to follow: a DCR
// endpoint answers itself, and following could send credentials to another host.
var ErrRedirect = errors.New("redirect refused")

// Do sends req and reads the whole response, recording the exchange in rec (if not nil). A transport
// failure, a timeout or an oversized body is an error; any HTTP status is not.
func (c *Client) Do(ctx context.Context, req Request, rec *transcript.Recorder) (*Response, error) {
	ctx, stop := withInterrupt(ctx)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	ex := transcript.Exchange{Started: time.Now(), Method: req.Method, URL: req.URL, RequestHeaders: req.Header.Clone(), RequestBody: transcript.RecordBody(req.Body)}
	if req.Cert != nil && req.Cert.Leaf != nil {
		ex.ClientCert = req.Cert.Leaf.Subject.String()
	}
	resp, err := c.do(ctx, req)
	took := time.Since(ex.Started)
	opcount.Exchanged(took)
	ex.DurationMS = float64(took.Microseconds()) / 1000
	if resp != nil {
		// Clipped to what the transcript keeps before redaction: a 1 MiB body would cost every exchange a
		// regular-expression pass over all of it.
		ex.Status, ex.ResponseHeaders, ex.ResponseBody = resp.Status, resp.Header, string(clip(resp.Body, transcript.MaxRecordedBody))
		ex.Truncated = errors.Is(err, ErrBodyTooLarge) || len(resp.Body) > transcript.MaxRecordedBody
	}
	if err != nil {
		ex.Error = err.Error()
	}
	if resp != nil {
		resp.Duration = time.Since(ex.Started)
	}
	// Redaction is a good part of a run's CPU: the recorded copy serves as the response's too.
	if rec != nil {
		ex = rec.Add(ex)
	} else if resp != nil {
		transcript.Redact(&ex)
	}
	if resp != nil {
		resp.Exchange = ex
	}
	return resp, err
}

func (c *Client) do(ctx context.Context, req Request) (*Response, error) {
	if p := c.opts.Policy; p != nil {
		if err := p.Check(req.URL); err != nil {
			return nil, fmt.Errorf("%s %s: %w", req.Method, clipURL(req.URL), err)
		}
		ctx = context.WithValue(ctx, urlKey{}, req.URL)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", req.Method, req.URL, err)
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hreq.Header.Add(k, v)
		}
	}
	if req.Body == nil {
		hreq.Body, hreq.ContentLength = http.NoBody, 0
	}
	hresp, err := (&http.Client{Transport: c.transport(req.Cert), CheckRedirect: noRedirects}).Do(hreq)
	if err != nil {
		if pe := (*PolicyError)(nil); errors.As(err, &pe) {
			return nil, fmt.Errorf("%s %s: %w", req.Method, clipURL(req.URL), pe)
		}
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL, c.describe(ctx, err, hreq.URL.Host))
	}
	defer hresp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(hresp.Body, c.opts.MaxBody+1))
	resp := &Response{Status: hresp.StatusCode, Header: hresp.Header, Body: body}
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = &NoAnswerError{Reason: fmt.Sprintf("the body did not arrive within %s (%d bytes read)", c.opts.Timeout, len(body)), TimedOut: true, Err: err}
		} else {
			err = fmt.Errorf("the connection broke after %d bytes of the body: %w", len(body), err)
		}
		return resp, fmt.Errorf("%s %s: reading the response body after status %d: %w", req.Method, req.URL, hresp.StatusCode, err)
	}
	if int64(len(body)) > c.opts.MaxBody {
		resp.Body = body[:c.opts.MaxBody]
		return resp, fmt.Errorf("%s %s: status %d: %w: more than %d bytes (the harness's cap)", req.Method, req.URL, hresp.StatusCode, ErrBodyTooLarge, c.opts.MaxBody)
	}
	if hresp.StatusCode/100 == 3 && hresp.Header.Get("Location") != "" {
		return resp, fmt.Errorf("%s %s: status %d: %w to %s (the harness follows no redirects)", req.Method, req.URL, hresp.StatusCode, ErrRedirect, hresp.Header.Get("Location"))
	}
	return resp, nil
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func (c *Client) transport(cert *tls.Certificate) *http.Transport {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.transports[cert]; ok {
		return t
	}
	// Classical key exchange only: the hybrid post-quantum share Go offers by default costs every
	// handshake (one per software identity) about 5 % of a run's CPU, and is no part of what is tested.
	cfg := &tls.Config{RootCAs: c.opts.RootCAs, MinVersion: tls.VersionTLS12, VerifyConnection: countHandshake,
		CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384}}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	t := &http.Transport{
		TLSClientConfig:        cfg,
		TLSHandshakeTimeout:    c.opts.Timeout,
		ResponseHeaderTimeout:  c.opts.Timeout,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: c.opts.MaxHeader,
		ForceAttemptHTTP2:      true,
	}
	if c.opts.Policy != nil {
		t.DialContext = c.opts.Policy.dialContext
	}
	c.transports[cert] = t
	return t
}

// countHandshake counts every completed handshake for opcount; it never refuses one.
func countHandshake(cs tls.ConnectionState) error {
	if cs.DidResume {
		opcount.Add(opcount.TLSResumed)
	} else {
		opcount.Add(opcount.TLSHandshake)
	}
	return nil
}

// CloseIdleConnections closes every idle connection of every transport.
func (c *Client) CloseIdleConnections() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.transports {
		t.CloseIdleConnections()
	}
}

// JSONObject decodes a JSON object body. Its error names the status, the content type and an excerpt,
// so a spec that expected JSON and got something else says what it got.
func (r *Response) JSONObject() (map[string]any, error) {
	obj, err := DecodeObject(r.Body)
	if err != nil {
		return nil, fmt.Errorf("status %d: body is not a JSON object (Content-Type %q): %v: %s", r.Status, r.Header.Get("Content-Type"), err, r.Excerpt(200))
	}
	return obj, nil
}

// StatusText is "status N", with the Retry-After a 429 or 503 gave (the harness never waits for it).
func (r *Response) StatusText() string {
	if ra := r.Header.Get("Retry-After"); ra != "" {
		return fmt.Sprintf("status %d (Retry-After: %s; the harness does not wait and retry)", r.Status, ra)
	}
	return fmt.Sprintf("status %d", r.Status)
}

// IsJSON reports whether the Content-Type is JSON (application/json or +json).
func (r *Response) IsJSON() bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// Excerpt is at most n bytes of the redacted body, for messages.
func (r *Response) Excerpt(n int) string {
	b := r.Exchange.ResponseBody
	if b == "" {
		b = string(r.Body)
		if len(b) > 0 {
			ex := transcript.Exchange{ResponseBody: b}
			transcript.Redact(&ex)
			b = ex.ResponseBody
		}
	}
	if b == "" {
		return "(empty body)"
	}
	if len(b) > n {
		return b[:n] + "…"
	}
	return b
}
