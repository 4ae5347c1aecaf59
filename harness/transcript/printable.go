package transcript

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Bytes from a bank are data, never terminal control: what a terminal or a report reader would act on
// is shown escaped instead.

// Printable returns s with every byte a terminal would act on escaped, for the console: invalid UTF-8
// as \xff, control characters other than newline and tab (NUL, ESC, CR, DEL, C1) as \x1b or \u009b,
// and Unicode bidirectional controls as \u202e.
func Printable(s string) string { return escape(s, false) }

// PrintableText is Printable that keeps carriage returns, for reports (CRLF bodies stay readable).
func PrintableText(s string) string { return escape(s, true) }

func escape(s string, keepCR bool) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\n' && c != '\t' && (c != '\r' || !keepCR) || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t' || r == '\r' && keepCR:
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0, isBidiControl(r), r == 0xfeff, r == 0xfffe, r == 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// sgrEnd is the end of the colour escape sequence (\x1b\[[0-9;]*m) at s[i:], or -1: the only control
// the console writer lets through when colour is on.
func sgrEnd(s string, i int) int {
	if !strings.HasPrefix(s[i:], "\x1b[") {
		return -1
	}
	for k := i + 2; k < len(s); k++ {
		switch c := s[k]; {
		case c == 'm':
			return k + 1
		case c != ';' && (c < '0' || c > '9'):
			return -1
		}
	}
	return -1
}

// ConsoleWriter wraps the console: each write has its secrets masked (RedactText) and its control
// bytes escaped (Printable). With colour, SGR colour sequences pass; without, nothing does.
func ConsoleWriter(w io.Writer, color bool) io.Writer { return &consoleWriter{w: w, color: color} }

type consoleWriter struct {
	w     io.Writer
	color bool
}

func (c *consoleWriter) Write(p []byte) (int, error) {
	s := RedactText(string(p))
	if c.color && strings.Contains(s, "\x1b[") {
		var b strings.Builder
		last := 0
		for i := strings.IndexByte(s, 0x1b); i >= 0 && i < len(s); {
			if e := sgrEnd(s, i); e > 0 {
				b.WriteString(Printable(s[last:i]))
				b.WriteString(s[i:e])
				last, i = e, e
			} else {
				i++
			}
			if k := strings.IndexByte(s[i:], 0x1b); k >= 0 {
				i += k
			} else {
				break
			}
		}
		b.WriteString(Printable(s[last:]))
		s = b.String()
	} else {
		s = Printable(s)
	}
	if _, err := io.WriteString(c.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}
