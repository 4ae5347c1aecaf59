package container

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"maps"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// What a target container is given (unless SessionOptions.ServerCA says it brings its own certificate,
// in which case it gets the directory variables only). Variables set with SessionOptions.Env win.
const (
	EnvDirectoryURL     = "DCRCONFORM_DIRECTORY_URL"      // http://directory:8080
	EnvDirectoryJWKSURL = "DCRCONFORM_DIRECTORY_JWKS_URL" // the key set that signs SSAs
	EnvDirectoryCAFile  = "DCRCONFORM_DIRECTORY_CA_FILE"  // DirectoryCAFile
	EnvTLSCertFile      = "DCRCONFORM_TLS_CERT_FILE"      // TLSCertFile
	EnvTLSKeyFile       = "DCRCONFORM_TLS_KEY_FILE"       // TLSKeyFile

	DirectoryCAFile = "/etc/dcrconform/directory-ca.pem"   // the directory's CA bundle: roots for transport certificates
	TLSCertFile     = "/etc/dcrconform/tls/server.pem"     // a server certificate chain the harness trusts
	TLSKeyFile      = "/etc/dcrconform/tls/server-key.pem" // its key (throwaway, world-readable)

	TargetAlias = "target" // the target's host name in the run's network
)

// SessionOptions describe a containerised run: the mock directory and the target beside it.
type SessionOptions struct {
	RunID          string // default: a fresh id
	Image          string // the target's image (required)
	DirectoryImage string // default DefaultDirectoryImage
	Port           string // the target's HTTPS port in its container, default DefaultPort
	Env            map[string]string
	Cmd            []string // replaces the image's command
	Readiness      Readiness
	Files          []File
	// ServerCA is the path, in the target's container, of a PEM bundle of the roots of the target's own
	// server certificate, copied out once it is ready. Empty: the harness issues the target's server
	// certificate (TLSCertFile, TLSKeyFile) from a throwaway CA it trusts.
	ServerCA string
	// OwnCertificate says the image serves a certificate of its own whose roots the caller has from
	// elsewhere (a CA bundle on the host): the target gets no TLS material and RootCAs stays nil.
	OwnCertificate bool
	Logs           io.Writer    // the target's output, as it runs
	Logger         tclog.Logger // testcontainers' progress messages; default none
}

// Session is a running containerised run.
type Session struct {
	RunID     string
	Network   *Network
	Directory *Directory
	Target    *Target
	RootCAs   *x509.CertPool // trust for the target's server certificate
	ServerCA  []byte         // the same, PEM
}

// Start creates the run's network, starts the mock directory and then the target, and waits for both.
// On failure everything started is removed before Start returns.
func Start(ctx context.Context, opts SessionOptions) (_ *Session, err error) {
	if opts.Image == "" {
		return nil, errors.New("container: no target image")
	}
	if opts.RunID == "" {
		opts.RunID = NewRunID()
	}
	if opts.DirectoryImage == "" {
		opts.DirectoryImage = DefaultDirectoryImage
	}
	for _, img := range []string{opts.Image, opts.DirectoryImage} {
		if err := checkImage(ctx, img); err != nil {
			return nil, err
		}
	}
	s := &Session{RunID: opts.RunID}
	defer func() {
		if err != nil {
			if cerr := s.Close(ctx); cerr != nil {
				err = errors.Join(err, fmt.Errorf("cleanup: %w", cerr))
			}
		}
	}()
	if s.Network, err = NewNetwork(ctx, opts.RunID); err != nil {
		return nil, err
	}
	common := []Option{WithRunID(opts.RunID)}
	if opts.Logger != nil {
		common = append(common, WithLogger(opts.Logger))
	}
	if s.Directory, err = StartDirectory(ctx, s.Network, opts.DirectoryImage, common...); err != nil {
		return nil, err
	}
	dirCA, err := s.Directory.CABundle(ctx)
	if err != nil {
		return nil, err
	}

	env := map[string]string{
		EnvDirectoryURL:     DirectoryInternalURL,
		EnvDirectoryJWKSURL: DirectoryInternalURL + mockdirectory.DirectoryJWKSPath,
		EnvDirectoryCAFile:  DirectoryCAFile,
	}
	files := []File{{Path: DirectoryCAFile, Content: dirCA, Mode: 0o644}}
	if opts.ServerCA == "" && !opts.OwnCertificate {
		ca, err := pki.NewCA("dcrconform run " + opts.RunID)
		if err != nil {
			return nil, fmt.Errorf("target server CA: %w", err)
		}
		cert, err := ca.IssueServer("localhost", "127.0.0.1", "::1", TargetAlias)
		if err != nil {
			return nil, fmt.Errorf("target server certificate: %w", err)
		}
		var chain []byte
		for _, der := range cert.Certificate {
			c, _ := x509.ParseCertificate(der)
			chain = append(chain, pki.CertPEM(c)...)
		}
		signer, ok := cert.PrivateKey.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("target server key: unexpected type %T", cert.PrivateKey)
		}
		leafKey, err := pki.KeyPEM(signer)
		if err != nil {
			return nil, fmt.Errorf("target server key: %w", err)
		}
		env[EnvTLSCertFile], env[EnvTLSKeyFile] = TLSCertFile, TLSKeyFile
		files = append(files, File{Path: TLSCertFile, Content: chain, Mode: 0o644}, File{Path: TLSKeyFile, Content: leafKey, Mode: 0o644})
		s.RootCAs, s.ServerCA = ca.Pool(), pki.CertPEM(ca.Root)
	}
	maps.Copy(env, opts.Env)

	topts := append(common,
		WithNetwork(s.Network, TargetAlias),
		WithEnv(env),
		WithFiles(append(files, opts.Files...)...),
	)
	if opts.Port != "" {
		topts = append(topts, WithPort(opts.Port))
	}
	if opts.Readiness != (Readiness{}) {
		topts = append(topts, WithReadiness(opts.Readiness))
	}
	if opts.Cmd != nil {
		topts = append(topts, WithCmd(opts.Cmd...))
	}
	if opts.Logs != nil {
		topts = append(topts, WithLogs(opts.Logs))
	}
	if s.Target, err = Run(ctx, opts.Image, topts...); err != nil {
		return nil, err
	}
	if opts.ServerCA != "" {
		pemBytes, err := s.Target.CopyFile(ctx, opts.ServerCA)
		if err != nil {
			return nil, fmt.Errorf("target server CA: %w", err)
		}
		certs, err := pki.ParseCertsPEM(pemBytes)
		if err != nil {
			return nil, fmt.Errorf("target server CA %s: %w", opts.ServerCA, err)
		}
		s.RootCAs = x509.NewCertPool()
		for _, c := range certs {
			s.RootCAs.AddCert(c)
		}
		s.ServerCA = pemBytes
	}
	return s, nil
}

// Close removes the target, the directory and the network, then sweeps anything else labelled with the
// run id. It ignores ctx's cancellation, and may be called more than once.
func (s *Session) Close(ctx context.Context) error {
	if s == nil {
		return nil
	}
	var errs []error
	errs = append(errs, s.Target.Terminate(ctx))
	if s.Directory != nil {
		errs = append(errs, s.Directory.Terminate(ctx))
	}
	errs = append(errs, s.Network.Remove(ctx))
	if s.RunID != "" {
		errs = append(errs, RemoveRun(ctx, s.RunID))
	}
	return errors.Join(errs...)
}
