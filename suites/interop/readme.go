package interop

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// UpdateEnv, set to 1, makes the tests rewrite their README section instead of checking it.
const UpdateEnv = "DCRCONFORM_UPDATE_README"

// SyncREADME checks that the README's section of the server (between the markers
// <!-- interop:KEY:begin --> and <!-- interop:KEY:end -->) is section; with DCRCONFORM_UPDATE_README=1
// it rewrites it instead.
func SyncREADME(t *testing.T, key, section string) {
	t.Helper()
	path, err := readmePath()
	if err != nil {
		t.Fatal(err)
	}
	update := os.Getenv(UpdateEnv) == "1"
	if update { // the servers' tests run in parallel processes: one rewrite at a time
		unlock, err := lockFile(filepath.Join(os.TempDir(), "dcrconform-readme.lock"))
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- interop:"+key+":begin -->\n", "<!-- interop:"+key+":end -->"
	text := string(data)
	i, j := strings.Index(text, begin), strings.Index(text, end)
	if i < 0 || j < i {
		t.Fatalf("suites/interop/README.md has no %q ... %q markers for the %s table", strings.TrimSpace(begin), end, key)
	}
	current := text[i+len(begin) : j]
	if current == section {
		return
	}
	if !update {
		t.Errorf("suites/interop/README.md's Interoperability table of %s is out of date; rerun this test with %s=1 to rewrite it. It should read:\n%s", key, UpdateEnv, section)
		return
	}
	out := text[:i+len(begin)] + section + text[j:]
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("suites/interop/README.md: rewrote the Interoperability table of %s", key)
}

// readmePath is the module's README.md.
func readmePath() (string, error) {
	root, err := moduleRoot()
	return filepath.Join(root, "suites", "interop", "README.md"), err
}

// moduleRoot is the folder of go.mod, found by walking up from the test's folder.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// lockFile takes an exclusive lock on path, created if need be, until the returned func is called.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
