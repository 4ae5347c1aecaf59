package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"github.com/dcrconform/dcrconform/suites/runner"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/container"
	"github.com/dcrconform/dcrconform/harness/embedded"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// defectsEnv names the environment variable with more reference bank defects, comma-separated: how a
// container of the bank's image gets them (dcrconform run --image-env DCRCONFORM_DEFECTS=...).
const defectsEnv = runner.DefectsEnv

// runBank serves the reference bank until interrupted. With no flags it is today's embedded pair: a mock
// directory and the bank, both on loopback. With --addr, --directory-url or a server certificate it serves
// the bank alone on --addr against a mock directory reached by URL (its own in-process one when no URL is
// given): the mode of the dcrconform-bank image.
func runBank(args []string, stdout, stderr io.Writer) int {
	fs := newCLI("bank", "bank [--defect NAME] [--list-defects] [--addr HOST:PORT --directory-url URL ...]",
		`Serves the reference bank until interrupted. With no flags: a mock directory and the bank, both on loopback.
With --addr, --directory-url or a server certificate: the bank alone, trusting a mock directory reached by URL
(--directory-ca gives its CA bundle as a file, so that the bank can start before the directory).`, stdout, stderr)
	var defects, hostnames stringList
	fs.Var(&defects, "defect", "switch on a named defect (repeatable; also $"+defectsEnv+", comma-separated); --list-defects prints them")
	listDefects := fs.Bool("list-defects", false, "print the defect catalogue and exit")
	addr := fs.String("addr", "", "listen `host:port` of the bank alone (default: the embedded pair on random loopback ports)")
	dirURL := fs.String("directory-url", os.Getenv(container.EnvDirectoryURL), "base `URL` of an external mock directory: client CAs from its /ca.pem, SSA keys from its /keystore/openbanking.jwks (default $"+container.EnvDirectoryURL+")")
	dirCA := fs.String("directory-ca", "", "PEM `file` of the directory's CA bundle (from dcrconform init --mock-directory); default: fetched from --directory-url's /ca.pem")
	certFile := fs.String("server-cert", os.Getenv(container.EnvTLSCertFile), "PEM `file` of the server certificate chain (default $"+container.EnvTLSCertFile+"; none: self-issued)")
	keyFile := fs.String("server-key", os.Getenv(container.EnvTLSKeyFile), "PEM `file` of the server key (default $"+container.EnvTLSKeyFile+")")
	fs.Var(&hostnames, "hostname", "host name or IP of the self-issued server certificate (repeatable; default localhost, 127.0.0.1)")
	caOut := fs.String("ca-out", "", "write the CA of the self-issued server certificate to this `file` (- for stdout)")
	issuer := fs.String("issuer", "", "the bank's public base `URL` (default: https://<Host header of each request>)")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if code, ok := fs.noArgs(); !ok {
		return code
	}
	if *listDefects {
		for _, d := range bank.Defects() {
			fmt.Fprintf(stdout, "%-36s %s\n", d.Name, d.Description)
		}
		return exitOK
	}
	for _, d := range strings.Split(os.Getenv(defectsEnv), ",") {
		if d = strings.TrimSpace(d); d != "" {
			defects = append(defects, d)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	standalone := *addr != "" || *dirURL != "" || *dirCA != "" || *certFile != "" || *keyFile != "" || len(hostnames) > 0 || *caOut != "" || *issuer != ""
	if !standalone {
		env, err := embedded.Start(embedded.Options{Defects: defects, Logger: runner.QuietLogger(stderr)})
		if err != nil {
			fmt.Fprintf(stderr, "bank: %v\n", err)
			return exitUsage
		}
		defer env.Close()
		fmt.Fprintf(stdout, "reference bank: %s/.well-known/openid-configuration\nmock directory: %s\n", env.Bank.URL, env.DirURL)
		<-ctx.Done()
		return exitOK
	}

	return serveBankAlone(ctx, bankAlone{addr: *addr, dirURL: *dirURL, dirCA: *dirCA, certFile: *certFile, keyFile: *keyFile,
		hostnames: hostnames, caOut: *caOut, issuer: *issuer}, defects, stdout, stderr)
}

// bankAlone are the flags of the reference bank served alone, trusting a directory reached by URL.
type bankAlone struct {
	addr, dirURL, dirCA, certFile, keyFile, caOut, issuer string
	hostnames                                             []string
}

// serveBankAlone serves the reference bank alone until ctx ends.
func serveBankAlone(ctx context.Context, f bankAlone, defects []string, stdout, stderr io.Writer) int {
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "bank: "+format+"\n", a...)
		return exitUsage
	}
	if f.addr != "" {
		if err := mockdirectory.CheckAddr(f.addr); err != nil {
			return usage("invalid --addr %q: %v", f.addr, err)
		}
	}
	if f.issuer != "" {
		if err := mockdirectory.CheckBaseURL(f.issuer); err != nil {
			return usage("invalid --issuer %q: %v", f.issuer, err)
		}
	}
	if (f.certFile == "") != (f.keyFile == "") {
		return usage("give both --server-cert and --server-key, or neither")
	}
	if f.certFile != "" && (len(f.hostnames) > 0 || f.caOut != "") {
		return usage("--hostname and --ca-out apply to a self-issued certificate, not with --server-cert")
	}
	opts := embedded.BankOptions{Addr: f.addr, DirectoryURL: f.dirURL, Hostnames: f.hostnames, Issuer: f.issuer,
		Defects: defects, Logger: runner.QuietLogger(stderr)}
	if f.dirCA != "" {
		if f.dirURL == "" {
			return usage("--directory-ca needs --directory-url: the SSA key sets are fetched from the directory")
		}
		pem, err := os.ReadFile(f.dirCA)
		if err != nil {
			return usage("--directory-ca: %v", err)
		}
		opts.DirectoryCA = pem
	}
	switch f.caOut {
	case "":
	case "-":
		opts.WriteCA = func(pem []byte) error { _, err := stdout.Write(pem); return err }
	default:
		opts.WriteCA = func(pem []byte) error { return os.WriteFile(f.caOut, pem, 0o644) }
	}
	if f.certFile != "" {
		cert, err := tls.LoadX509KeyPair(f.certFile, f.keyFile)
		if err != nil {
			return usage("--server-cert/--server-key: %v", err)
		}
		opts.ServerCert = &cert
	}
	if opts.DirectoryURL == "" {
		ds, err := embedded.ServeDirectory(mockdirectory.Config{})
		if err != nil {
			fmt.Fprintf(stderr, "bank: %v\n", err)
			return exitFailed
		}
		defer ds.Close()
		opts.DirectoryURL = ds.URL
		fmt.Fprintf(stdout, "mock directory: %s\n", ds.URL)
	} else if err := mockdirectory.CheckBaseURL(opts.DirectoryURL); err != nil {
		return usage("invalid --directory-url %q: %v", opts.DirectoryURL, err)
	}
	srv, err := embedded.StartBank(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "bank: %v\n", err)
		return exitFailed
	}
	defer srv.Close()
	fmt.Fprintf(stdout, "reference bank: listening on %s (directory %s, defects %q)\n", srv.URL, opts.DirectoryURL, defects)
	<-ctx.Done()
	return exitOK
}
