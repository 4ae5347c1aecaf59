package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

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
	fs := newCLI("directory", "directory [flags]", "Serves a mock Open Banking directory and CDR register: key sets, CA bundle, SSAs, admin API. "+
		"`dcrconform directory bench` load-tests one (see its -h).", stdout, stderr)
	addr := fs.String("addr", mockdirectory.DefaultAddr, "listen `host:port` (port 0 picks a free port)")
	state := fs.String("state", "", "state `dir`ectory: keys, certificates, organisations and software survive restarts (default: in memory)")
	token := fs.String("admin-token", "", "bearer `token` of the admin API (default $"+adminTokenEnv+"; none disables the admin API)")
	seed := fs.String("seed", "", "YAML or JSON seed `file` of organisations and software, applied at start")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a certificate from the directory's own CA (trust "+mockdirectory.CABundlePath+")")
	baseURL := fs.String("base-url", "", "public base `URL` used in SSA claims (default: scheme://host:port of --addr)")
	logLevel := fs.String("log-level", "info", "log `level`: debug, info, warn or error")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if code, ok := fs.noArgs(); !ok {
		return code
	}
	if err := mockdirectory.CheckAddr(*addr); err != nil {
		return fs.badValue("invalid --addr %q: %v", *addr, err)
	}
	if *baseURL != "" {
		if err := mockdirectory.CheckBaseURL(*baseURL); err != nil {
			return fs.badValue("invalid --base-url %q: %v", *baseURL, err)
		}
		if *useTLS && strings.HasPrefix(*baseURL, "http://") {
			return fs.badValue("invalid --base-url %q: --tls serves https", *baseURL)
		}
	}
	if *seed != "" {
		if st, err := os.Stat(*seed); err != nil || !st.Mode().IsRegular() {
			return fs.badValue("invalid --seed %q: not a readable file", *seed)
		}
	}
	if *state != "" {
		if st, err := os.Stat(*state); err == nil && !st.IsDir() {
			return fs.badValue("invalid --state %q: not a directory", *state)
		}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fs.badValue("invalid --log-level %q: want debug, info, warn or error", *logLevel)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if *token == "" {
		*token = os.Getenv(adminTokenEnv)
	} else {
		log.Warn("admin token given with --admin-token is visible to other local users; prefer $" + adminTokenEnv)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := mockdirectory.Serve(ctx, mockdirectory.ServeOptions{
		Addr: *addr, StateDir: *state, AdminToken: *token, SeedFile: *seed, TLS: *useTLS, BaseURL: *baseURL,
		Logger: log,
		Ready: func(_ *mockdirectory.Directory, base string) {
			fmt.Fprintf(stdout, "directory: %s (key set %s%s, CA bundle %s%s)\n",
				base, base, mockdirectory.DirectoryJWKSPath, base, mockdirectory.CABundlePath)
		},
	})
	if err != nil {
		log.Error("directory failed", "err", err)
		return 1
	}
	return 0
}
