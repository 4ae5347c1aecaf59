package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
)

// NoAnswerError is a request the target did not answer: a timeout, a refused or reset connection.
// A run counts these to notice a target that has stopped answering.
type NoAnswerError struct {
	Reason   string // e.g. "no answer within 10s"
	TimedOut bool   // the request waited out the whole timeout
	Err      error
}

func (e *NoAnswerError) Error() string { return e.Reason + ": " + e.Err.Error() }
func (e *NoAnswerError) Unwrap() error { return e.Err }

// IsNoAnswer reports whether err means the target did not answer, and whether it waited out the timeout.
func IsNoAnswer(err error) (noAnswer, timedOut bool) {
	var na *NoAnswerError
	if errors.As(err, &na) {
		return true, na.TimedOut
	}
	return false, false
}

// TLSError is a server certificate the harness refused: untrusted, expired, or for another host.
type TLSError struct {
	Host     string
	CertFor  []string // the host names and addresses the certificate is for
	CertFrom string   // its issuer
	Err      error
}

func (e *TLSError) Error() string {
	cert := ""
	if len(e.CertFor) > 0 {
		cert = fmt.Sprintf(" (a certificate for %s, issued by %q)", strings.Join(e.CertFor, ", "), e.CertFrom)
	}
	return fmt.Sprintf("TLS: the server certificate of %s%s is refused: %v", e.Host, cert, e.Err)
}
func (e *TLSError) Unwrap() error { return e.Err }

// describe turns a failed round trip into an error that names the fault.
func (c *Client) describe(ctx context.Context, err error, host string) error {
	var (
		netErr    net.Error
		verify    *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
	)
	switch {
	case errors.Is(context.Cause(ctx), ErrInterrupted):
		return ErrInterrupted
	case ctx.Err() == context.DeadlineExceeded || (errors.As(err, &netErr) && netErr.Timeout()):
		return &NoAnswerError{Reason: fmt.Sprintf("no answer within %s", c.opts.Timeout), TimedOut: true, Err: err}
	case errors.As(err, &verify), errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid):
		te := &TLSError{Host: host, Err: err}
		var ue *url.Error
		if errors.As(err, &ue) {
			te.Err = ue.Err
		}
		if verify != nil && len(verify.UnverifiedCertificates) > 0 {
			leaf := verify.UnverifiedCertificates[0]
			te.CertFor, te.CertFrom = append([]string(nil), leaf.DNSNames...), leaf.Issuer.String()
			for _, ip := range leaf.IPAddresses {
				te.CertFor = append(te.CertFor, ip.String())
			}
		}
		return te
	case strings.Contains(err.Error(), "response headers exceeded"), strings.Contains(err.Error(), "header list larger"):
		return fmt.Errorf("response headers larger than %d bytes (the harness's cap): %w", c.opts.MaxHeader, err)
	case strings.Contains(err.Error(), "PROTOCOL_ERROR"):
		// Go's HTTP/2 client reports an oversized header list as a bare protocol error.
		return fmt.Errorf("HTTP/2 protocol error, the connection closed (one cause: response headers over the harness's %d-byte cap): %w", c.opts.MaxHeader, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return &NoAnswerError{Reason: "connection refused (nothing listens there)", Err: err}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &NoAnswerError{Reason: "the connection was closed before an answer", Err: err}
	}
	return err
}
