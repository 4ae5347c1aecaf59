package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/dcrconform/dcrconform/reports"
)

// The README's fault table sits between these markers; TestHostileTargets writes it.
const (
	faultTableBegin = "<!-- fault-table:begin (written by TestHostileTargets; DCRCONFORM_UPDATE_README=1 regenerates it) -->"
	faultTableEnd   = "<!-- fault-table:end -->"
)

type faultRow struct {
	fault, mode     string
	measured, exits []string // per profile: "uk: 1.2 s, 31 MB, 40 failed"; exit codes
	message         string   // what the uk report says for its last failed spec
	phrases         []string // what the message must name
}

func (row *faultRow) add(profile string, r *measuredRun) {
	passed := ""
	if n := r.run.Summary.Passed; n > 0 {
		passed = fmt.Sprintf(", %d passed", n)
	}
	row.measured = append(row.measured, fmt.Sprintf("%s: %.1f s, %.0f MB, %d failed, %d skipped%s",
		profile, r.elapsed.Seconds(), r.peakMB, r.run.Summary.Failed, r.run.Summary.Skipped, passed))
	row.exits = append(row.exits, fmt.Sprint(r.code))
	if row.message == "" {
		row.message = lastFailure(r.run)
	}
}

// lastFailure is the "actual" of the run's last failed spec, with ports and spec-specific text made stable.
func lastFailure(run *reports.Run) string {
	msg := ""
	for _, s := range run.Specs {
		if s.Failed() {
			msg = s.Actual
			if msg == "" {
				msg = s.Reason
			}
		}
	}
	msg = printable(portRE.ReplaceAllString(msg, "127.0.0.1:PORT"))
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > 240 {
		msg = msg[:240] + "…"
	}
	return strings.ReplaceAll(msg, "|", `\|`)
}

func (row faultRow) line() string {
	return fmt.Sprintf("| %s | `%s` | %s | %s | %s |", row.fault, row.mode, strings.Join(row.measured, "<br>"),
		strings.Join(row.exits, " / "), "`"+strings.ReplaceAll(row.message, "`", "'")+"`")
}

// stable is the part of a table line that does not depend on the machine or on timing: the fault, the
// mode and the exit codes. (Which request of a hanging target times out first, and Go's wording of it,
// vary; the message must name the fault, see checkFaultTable.)
func stable(line string) string {
	cells := strings.Split(line, " | ")
	if len(cells) >= 5 {
		cells[2], cells[4] = "", ""
	}
	return strings.Join(cells, " | ")
}

// messageCell is the message column of a table line.
func messageCell(line string) string {
	cells := strings.Split(line, " | ")
	if len(cells) < 5 {
		return ""
	}
	return cells[4]
}

func faultTable(rows []faultRow) string {
	var b strings.Builder
	b.WriteString(faultTableBegin + "\n")
	b.WriteString("| fault | `hostile` mode | time to end, peak RSS, specs (uk, rfc7591) | exit | what the report says (uk, last failed spec) |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, r := range rows {
		b.WriteString(r.line() + "\n")
	}
	b.WriteString(faultTableEnd)
	return b.String()
}

// checkFaultTable rewrites the README's table with DCRCONFORM_UPDATE_README=1; otherwise the README's
// rows must match what the run saw, measured columns aside.
func checkFaultTable(t *testing.T, readme string, rows []faultRow) {
	t.Helper()
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, faultTableBegin), strings.Index(doc, faultTableEnd)
	if i < 0 || j < i {
		t.Fatalf("harness/hostile/README.md has no fault table between %q and %q", faultTableBegin, faultTableEnd)
	}
	table := faultTable(rows)
	if os.Getenv("DCRCONFORM_UPDATE_README") != "" {
		if err := os.WriteFile(readme, []byte(doc[:i]+table+doc[j+len(faultTableEnd):]), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("harness/hostile/README.md fault table rewritten:\n%s", table)
		return
	}
	have := strings.Split(doc[i:j+len(faultTableEnd)], "\n")
	want := strings.Split(table, "\n")
	if len(have) != len(want) {
		t.Errorf("harness/hostile/README.md's fault table has %d lines, the run gives %d; regenerate it with DCRCONFORM_UPDATE_README=1 go test -run TestHostileTargets ./cmd/dcrconform/\n%s", len(have), len(want), table)
		return
	}
	for k := range want {
		if stable(have[k]) != stable(want[k]) || (k >= 3 && k-3 < len(rows) && !containsAll(messageCell(have[k]), rows[k-3].phrases)) {
			t.Errorf("harness/hostile/README.md's fault table is stale; regenerate it with DCRCONFORM_UPDATE_README=1 go test -run TestHostileTargets ./cmd/dcrconform/\nREADME: %s\nrun:    %s", have[k], want[k])
		}
	}
}

// printable escapes control characters and invalid UTF-8 as \xNN, so that a table in Markdown shows them.
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1, r != '\n' && !unicode.IsPrint(r):
			for _, c := range []byte(s[i : i+n]) {
				fmt.Fprintf(&b, "\\x%02x", c)
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
