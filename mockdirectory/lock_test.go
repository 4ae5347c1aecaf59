package mockdirectory

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestStateLock: a second directory on a state folder in use is refused with an error naming the holder,
// before it touches anything; once the first is closed, the second starts and the first changes nothing.
func TestStateLock(t *testing.T) {
	dir := t.TempDir()
	a, err := New(Config{StateDir: dir, KeySource: testKeys})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// A write of the first directory in progress: the second must not clean it up.
	inFlight := filepath.Join(dir, "orgs", ".x.json"+tmpMarker+"1")
	if err := os.MkdirAll(filepath.Dir(inFlight), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inFlight, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}

	_, err = New(Config{StateDir: dir, KeySource: testKeys})
	var le *StateLockedError
	if !errors.As(err, &le) {
		t.Fatalf("second directory on the same state: %v, want a StateLockedError", err)
	}
	host, _ := os.Hostname()
	if le.Holder == nil || le.Holder.PID != os.Getpid() || le.Holder.Host != host || time.Since(le.Holder.StartedAt) > time.Minute {
		t.Errorf("holder %+v, want pid %d on %s, started just now", le.Holder, os.Getpid(), host)
	}
	for _, want := range []string{dir, "pid " + strconv.Itoa(os.Getpid()), host, "started "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if _, err := os.Stat(inFlight); err != nil {
		t.Errorf("the refused directory removed the first one's write in progress: %v", err)
	}

	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := New(Config{StateDir: dir, KeySource: testKeys})
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	defer b.Close()
	// The closed directory changes nothing any more.
	if _, err := a.CreateOrganisation(Organisation{Name: "late"}); !errors.Is(err, errClosed) {
		t.Errorf("create on a closed directory: %v", err)
	}
	if _, err := a.RotateSigningKey("PS256"); !errors.Is(err, errClosed) {
		t.Errorf("rotate on a closed directory: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestSecondDirectoryRotationKeepsAcknowledgedKeys (issue 16, item 7): a key the first directory
// acknowledged is never dropped by a second directory's rotation on the same state folder.
func TestSecondDirectoryRotationKeepsAcknowledgedKeys(t *testing.T) {
	dir := t.TempDir()
	a, err := New(Config{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	acked, err := a.RotateSigningKey("PS256")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := New(Config{StateDir: dir}); err == nil {
		// Without the lock, b loaded the state before or after a's rotation; either way its own rotation
		// rewrites keys/index.json from its memory.
		if _, err := b.RotateSigningKey("ES256"); err != nil {
			t.Fatal(err)
		}
		b.Close()
		t.Error("a second directory started on a state folder in use")
	}
	a.Close()

	// The proper hand-over: the second directory starts once the first has stopped, and rotates.
	b, err := New(Config{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !hasKid(b.JWKS(), acked) {
		t.Fatalf("key %s acknowledged by the first directory is not published by the second", acked)
	}
	second, err := b.RotateSigningKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	c, err := New(Config{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, kid := range []string{acked, second} {
		if !hasKid(c.JWKS(), kid) {
			t.Errorf("key %s dropped after the second directory's rotation; published: %v", kid, kids(c.JWKS()))
		}
	}
}
