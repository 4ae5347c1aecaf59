package hydrabuild

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestDirIsKeyedByVersion(t *testing.T) {
	t.Setenv("DCRCONFORM_CACHE", "/cache/root")
	dir, err := Dir()
	if err != nil || dir != "/cache/root/hydra-"+Version {
		t.Fatalf("Dir() = %q, %v", dir, err)
	}
}

func TestBinaryUsesTheCache(t *testing.T) {
	t.Setenv(BinEnv, "")
	t.Setenv("DCRCONFORM_CACHE", t.TempDir())
	dir, _ := Dir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cached := filepath.Join(dir, "hydra")
	if err := os.WriteFile(cached, []byte("#!/bin/true\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a build would fail at once: the cached binary must be returned without one
	if bin, err := Binary(ctx, io.Discard); err != nil || bin != cached {
		t.Fatalf("Binary() = %q, %v; want the cached %s", bin, err, cached)
	}
	t.Setenv(BinEnv, "/opt/hydra")
	if bin, err := Binary(ctx, io.Discard); err != nil || bin != "/opt/hydra" {
		t.Fatalf("Binary() with %s = %q, %v", BinEnv, bin, err)
	}
}

func TestCopyTreeIsWritable(t *testing.T) {
	from, to := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	if err := os.MkdirAll(filepath.Join(from, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, mode := range map[string]os.FileMode{"a/f.go": 0o444, "run.sh": 0o555} {
		if err := os.WriteFile(filepath.Join(from, name), []byte(name), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := copyTree(from, to); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"a/f.go": 0o644, "run.sh": 0o755} {
		st, err := os.Stat(filepath.Join(to, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", name, st.Mode().Perm(), want)
		}
	}
}
