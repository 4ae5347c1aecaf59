package runner

import (
	"bytes"
	"os"
	"testing"
)

// Colour only on a terminal: never into a buffer, a file or a pipe, never with --no-color or
// $NO_COLOR; a --procs child colours for a parent on a terminal ($DCRCONFORM_COLOR=1).
func TestUseColor(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Setenv("NO_COLOR", "")
	t.Setenv(colorEnv, "")
	if useColor(&bytes.Buffer{}, false) || useColor(f, false) {
		t.Error("colour into a buffer or a file")
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if !useColor(tty, false) {
			t.Error("no colour on a terminal")
		}
		if useColor(tty, true) {
			t.Error("colour on a terminal with --no-color")
		}
		t.Setenv("NO_COLOR", "1")
		if useColor(tty, false) {
			t.Error("colour on a terminal with NO_COLOR")
		}
		t.Setenv("NO_COLOR", "")
	}
	t.Setenv(colorEnv, "1")
	if !useColor(f, false) {
		t.Errorf("a child with %s=1 does not colour its pipe", colorEnv)
	}
	if useColor(f, true) {
		t.Error("a child with --no-color colours")
	}
	t.Setenv("NO_COLOR", "x")
	if useColor(f, false) {
		t.Error("NO_COLOR does not win")
	}
}
