// Package hydrabuild builds the Ory Hydra server the interop test runs, from the Go module proxy at
// exactly Version, once per machine, into the user cache folder. Hydra's go.mod has replace
// directives, so `go install` cannot build it, and its dependencies must stay out of our go.mod: the
// module is downloaded into a throwaway module of its own and built there.
package hydrabuild

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Module and Version are what is built.
const (
	Module  = "github.com/ory/hydra/v2"
	Version = "v2.3.0"
)

// BinEnv names a prebuilt hydra binary to use instead of building one.
const BinEnv = "DCRCONFORM_HYDRA_BIN"

// Dir is the cache folder of this version's build: $DCRCONFORM_CACHE, else the user cache folder's
// (or, without one, the temporary folder's) dcrconform/, then hydra-VERSION.
func Dir() (string, error) {
	root := os.Getenv("DCRCONFORM_CACHE")
	if root == "" {
		cache, err := os.UserCacheDir()
		if err != nil { // no $HOME nor $XDG_CACHE_HOME: still one folder per machine
			cache = os.TempDir()
		}
		root = filepath.Join(cache, "dcrconform")
	}
	return filepath.Join(root, "hydra-"+Version), nil
}

// Binary returns the path of the hydra binary, building it first when the cache has none. Concurrent
// callers (CI's preparation, parallel test processes) wait for one build. Progress goes to log.
func Binary(ctx context.Context, log io.Writer) (string, error) {
	if bin := os.Getenv(BinEnv); bin != "" {
		return bin, nil
	}
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "hydra")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("lock %s: %w", dir, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck
	if _, err := os.Stat(bin); err == nil {
		return bin, nil // built by another process while this one waited
	}
	start := time.Now()
	fmt.Fprintf(log, "hydrabuild: building %s@%s into %s (once per machine; minutes)\n", Module, Version, dir)
	if err := build(ctx, dir, bin, log); err != nil {
		return "", fmt.Errorf("hydrabuild: %w", err)
	}
	fmt.Fprintf(log, "hydrabuild: built %s in %s\n", bin, time.Since(start).Round(time.Second))
	return bin, nil
}

func build(ctx context.Context, dir, bin string, log io.Writer) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return err
	}
	env := append(os.Environ(), "GOWORK=off", "GOTOOLCHAIN=local", "CGO_ENABLED=1", "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"))
	run := func(wd string, stdout io.Writer, args ...string) error {
		cmd := exec.CommandContext(ctx, goBin, args...)
		cmd.Dir, cmd.Env, cmd.Stderr = wd, env, log
		cmd.Stdout = stdout
		if stdout == nil {
			cmd.Stdout = log
		}
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
		}
		return nil
	}

	// A throwaway module to download into, so that nothing touches ours.
	mod := filepath.Join(dir, "mod")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module dcrconform.invalid/hydrabuild\n\ngo 1.22\n"), 0o644); err != nil {
		return err
	}
	var out bytes.Buffer
	if err := run(mod, &out, "mod", "download", "-json", Module+"@"+Version); err != nil {
		return err
	}
	var dl struct{ Dir, Error string }
	if err := json.Unmarshal(out.Bytes(), &dl); err != nil || dl.Error != "" || dl.Dir == "" {
		return fmt.Errorf("go mod download %s@%s: %s %v", Module, Version, dl.Error, err)
	}

	// The module cache is read-only: build in a writable copy.
	src := filepath.Join(dir, "src")
	if err := os.RemoveAll(src); err != nil {
		return err
	}
	if err := copyTree(dl.Dir, src); err != nil {
		return err
	}
	// Hydra replaces its generated API client with ./internal/httpclient, a nested module that the
	// module zip leaves out: build against the published client its go.mod requires instead.
	if err := run(src, nil, "mod", "edit", "-dropreplace=github.com/ory/hydra-client-go/v2"); err != nil {
		return err
	}
	tmp := bin + ".tmp"
	// Hydra's own release flags: the in-memory database (DSN=memory) is SQLite, behind these tags.
	if err := run(src, nil, "build", "-trimpath", "-tags", "sqlite,sqlite_omit_load_extension",
		"-ldflags", "-X github.com/ory/hydra/v2/driver/config.Version="+Version, "-o", tmp, "."); err != nil {
		return err
	}
	return os.Rename(tmp, bin)
}

// copyTree copies the regular files under from to a new folder to, writable.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644|info.Mode().Perm()&0o111)
	})
}
