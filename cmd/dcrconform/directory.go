package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dcrconform/dcrconform/mockdirectory"
)

// adminTokenEnv names the environment variable holding the directory's admin token.
const adminTokenEnv = "DCRCONFORM_ADMIN_TOKEN"

// runDirectory is `dcrconform directory`: the mock directory, standalone. Exit codes: 0 after a clean
// shutdown (SIGINT, SIGTERM) or -h, 1 when the directory fails, 2 on usage errors. `dcrconform directory
// bench` is its load test (dirbench.go).
func runDirectory(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "bench" {
		return runDirectoryBench(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "health" {
		return runHealth(args[1:], stdout, stderr)
	}
	opts, caOut, code, ok := directoryOptions(args, stdout, stderr)
	if !ok {
		return code
	}
	log := opts.Logger
	if host, _, _ := net.SplitHostPort(opts.Addr); !opts.TLS && opts.CertFile == "" && !isLoopback(host) {
		log.Warn("serving key sets over plain http beyond loopback: OBIE requires TLS for them and a bank may refuse an http jwks_uri; give --tls or --server-cert")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var readyErr error
	opts.Ready = func(d *mockdirectory.Directory, base string) {
		if caOut != "" {
			if readyErr = os.WriteFile(caOut, d.CABundlePEM(), 0o644); readyErr != nil {
				log.Error("--ca-out", "err", readyErr)
				stop()
				return
			}
		}
		root := sha256.Sum256(d.CA().Root.Raw)
		fmt.Fprintf(stdout, "directory: %s (key set %s%s, CA bundle %s%s, health %s/healthz, CA root sha256 %x)\n",
			base, base, mockdirectory.DirectoryJWKSPath, base, mockdirectory.CABundlePath, base, root)
	}
	err := mockdirectory.Serve(ctx, opts)
	if err == nil {
		err = readyErr
	}
	if err != nil {
		log.Error("directory failed", "err", err)
		return 1
	}
	return 0
}

// directoryOptions parses the flags of `dcrconform directory` (a usage error: ok false with the exit
// code); caOut is --ca-out.
func directoryOptions(args []string, stdout, stderr io.Writer) (opts mockdirectory.ServeOptions, caOut string, code int, ok bool) {
	fs := newCLI("directory", "directory [flags]", "Serves a mock Open Banking directory and CDR register: key sets, CA bundle, SSAs, health (/healthz), "+
		"admin API. Runs take leases on it (/admin/runs): a run's identities go when it ends, or when its lease expires. "+
		"`dcrconform directory bench` load-tests one; `dcrconform directory health URL` checks one (see their -h).", stdout, stderr)
	addr := fs.String("addr", mockdirectory.DefaultAddr, "listen `host:port` (port 0 picks a free port)")
	state := fs.String("state", "", "state `dir`ectory: the CA, signing keys, organisations and open runs survive restarts (default: in memory)")
	token := fs.String("admin-token", "", "bearer `token` of the admin API (default $"+adminTokenEnv+"; none disables the admin API)")
	seed := fs.String("seed", "", "YAML or JSON seed `file` of organisations and software, applied at start")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a certificate from the directory's own CA (trust "+mockdirectory.CABundlePath+", or the --ca-out file)")
	certFile := fs.String("server-cert", "", "PEM `file` of a server certificate chain the operator gives: HTTPS with it rather than with one from the directory's CA")
	keyFile := fs.String("server-key", "", "PEM `file` of the --server-cert key")
	caOutFlag := fs.String("ca-out", "", "write the directory's CA bundle (roots of its own server certificate and of every transport certificate) to this `file` once serving")
	baseURL := fs.String("base-url", "", "public base `URL` used in SSA claims: where banks reach the directory (default: scheme://host:port of --addr)")
	sweep := fs.Duration("sweep", time.Minute, "how often the identities of runs whose lease expired are removed")
	logLevel := fs.String("log-level", "info", "log `level`: debug, info, warn or error")
	if code, ok := fs.parse(args); !ok {
		return opts, "", code, false
	}
	if code, ok := fs.noArgs(); !ok {
		return opts, "", code, false
	}
	bad := func(format string, a ...any) (mockdirectory.ServeOptions, string, int, bool) {
		return opts, "", fs.badValue(format, a...), false
	}
	if err := mockdirectory.CheckAddr(*addr); err != nil {
		return bad("invalid --addr %q: %v", *addr, err)
	}
	if (*certFile == "") != (*keyFile == "") {
		return bad("invalid --server-cert/--server-key: give both or neither")
	}
	https := *useTLS || *certFile != ""
	if *baseURL != "" {
		if err := mockdirectory.CheckBaseURL(*baseURL); err != nil {
			return bad("invalid --base-url %q: %v", *baseURL, err)
		}
		if https && strings.HasPrefix(*baseURL, "http://") {
			return bad("invalid --base-url %q: --tls serves https", *baseURL)
		}
	}
	for flag, file := range map[string]string{"--seed": *seed, "--server-cert": *certFile, "--server-key": *keyFile} {
		if file == "" {
			continue
		}
		if st, err := os.Stat(file); err != nil || !st.Mode().IsRegular() {
			return bad("invalid %s %q: not a readable file", flag, file)
		}
	}
	if *state != "" {
		if st, err := os.Stat(*state); err == nil && !st.IsDir() {
			return bad("invalid --state %q: not a directory", *state)
		}
	}
	if *sweep < time.Second {
		return bad("invalid --sweep %s: at least 1s", *sweep)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return bad("invalid --log-level %q: want debug, info, warn or error", *logLevel)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if *token == "" {
		*token = os.Getenv(adminTokenEnv)
	} else {
		log.Warn("admin token given with --admin-token is visible to other local users; prefer $" + adminTokenEnv)
	}
	return mockdirectory.ServeOptions{
		Addr: *addr, StateDir: *state, AdminToken: *token, SeedFile: *seed, TLS: *useTLS, BaseURL: *baseURL,
		CertFile: *certFile, KeyFile: *keyFile, SweepEvery: *sweep, Logger: log,
	}, *caOutFlag, 0, true
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
