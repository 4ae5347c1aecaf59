package transcript

import (
	"bytes"
	"strings"
	"testing"
)

func TestPrintableEscapesTerminalControl(t *testing.T) {
	for in, want := range map[string]string{
		"plain text\n\tindented":          "plain text\n\tindented",
		"nul\x00 ff\xff esc\x1b[2J bel\a": `nul\x00 ff\xff esc\x1b[2J bel\x07`,
		"cr\rover":                        `cr\x0dover`,
		"c1\u009b31m del\x7f":             `c1\u009b31m del\x7f`,
		"bidi\u202eevil\u2066":            `bidi\u202eevil\u2066`,
		"ünïcødé ✓":                       "ünïcødé ✓",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
	if got := PrintableText("a\r\nb\x00"); got != "a\r\nb\\x00" {
		t.Errorf("PrintableText kept %q", got)
	}
}

// The console writer masks secrets and escapes control bytes; with colour on, only colour sequences
// pass raw.
func TestConsoleWriter(t *testing.T) {
	line := "\x1b[31m[FAILED]\x1b[0m body {\"access_token\":\"tok-SECRET-1\"} \x1b]0;title\x07\x00\xff\n"
	for _, color := range []bool{true, false} {
		var b bytes.Buffer
		w := ConsoleWriter(&b, color)
		if n, err := w.Write([]byte(line)); err != nil || n != len(line) {
			t.Fatalf("Write = %d, %v", n, err)
		}
		out := b.String()
		if strings.Contains(out, "tok-SECRET-1") {
			t.Errorf("colour %v: the secret reached the console: %q", color, out)
		}
		if strings.ContainsAny(out, "\x00\x07") || strings.Contains(out, "\xff") || strings.Contains(out, "\x1b]") {
			t.Errorf("colour %v: control bytes reached the console raw: %q", color, out)
		}
		if has := strings.Contains(out, "\x1b[31m"); has != color {
			t.Errorf("colour %v: colour sequence passed = %v: %q", color, has, out)
		}
	}
}
