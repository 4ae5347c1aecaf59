package framework

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/dcrconform/dcrconform/harness/client"
)

// tlsRefusal reports whether err is the server refusing the TLS connection of a request, however the
// refusal reached the client: a TLS alert ("remote error: tls: certificate required"), or, in TLS 1.3,
// where the client finishes its side of the handshake before the server judges its certificate, the
// server closing the connection under the request (a reset, a broken pipe, EOF, an HTTP/2 connection
// lost before its first frame). A connection refused,
// a timeout or a server certificate the harness does not trust is not a refusal of the client.
func tlsRefusal(err error) bool {
	if err == nil {
		return false
	}
	if strings.Contains(err.Error(), "remote error: tls:") {
		return true
	}
	var tlsErr *client.TLSError
	var netErr net.Error
	if _, timedOut := client.IsNoAnswer(err); timedOut || errors.As(err, &tlsErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return false
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	// Over HTTP/2 the transport reports a connection closed before its first frame with a sentinel of
	// its own, which wraps no cause.
	msg := err.Error()
	return strings.Contains(msg, "http2: client conn could not be established") || strings.Contains(msg, "http2: client connection lost")
}

// refusedWithoutCertificate reports whether err is the server refusing in the TLS layer a request sent
// without a client certificate. A closed connection (rather than an alert) counts only when the server
// is alive: a TLS handshake presenting the spec's certificate to the same host must complete.
func (f *Framework) refusedWithoutCertificate(err error) bool {
	if !tlsRefusal(err) {
		return false
	}
	if strings.Contains(err.Error(), "remote error: tls:") {
		return true
	}
	ex, ok := f.Record.Last()
	if !ok {
		return false
	}
	u, perr := url.Parse(ex.URL)
	sw := f.Software()
	if perr != nil || u.Host == "" || sw.Transport == nil {
		return false
	}
	conn, derr := f.DialTLS(u.Host, &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: f.Target.RootCAs,
		ServerName: u.Hostname(), Certificates: []tls.Certificate{*sw.Transport}})
	if derr != nil {
		return false
	}
	_ = conn.Close()
	return true
}
