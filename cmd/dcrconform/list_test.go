package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/suites"
)

// TestListCoverage: list --coverage prints every source of the register with its counts and each
// bank-side requirement's specs or reason; the markdown form is the README's table.
func TestListCoverage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := runList([]string{"--coverage"}, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	text := out.String()
	cov := suites.Coverage()
	if len(cov) == 0 {
		t.Fatal("no source in the register")
	}
	for _, cs := range cov {
		if !strings.Contains(text, cs.Source+": "+cs.Title) {
			t.Errorf("source %s is missing", cs.Source)
		}
		if read := fmt.Sprintf("read: %d documents or pages (the read list of fixtures/requirements/%s); %d entries quoting %d sections",
			cs.Read, cs.File, cs.Entries, cs.Sections); cs.Read == 0 || !strings.Contains(text, read) {
			t.Errorf("source %s: no %q line", cs.Source, read)
		}
		for _, r := range cs.Rows {
			line := ""
			for _, l := range strings.Split(text, "\n") {
				if f := strings.Fields(l); len(f) > 0 && f[0] == r.Requirement.ID {
					line = l
				}
			}
			switch {
			case line == "":
				t.Errorf("%s is not listed", r.Requirement.ID)
			case r.State == suites.Checked && !strings.Contains(line, r.Specs[0]):
				t.Errorf("%s: %q does not name its spec %s", r.Requirement.ID, line, r.Specs[0])
			case r.State == suites.NotCheckable && !strings.Contains(line, "not observable: "+r.Requirement.Reason):
				t.Errorf("%s: %q does not give its reason", r.Requirement.ID, line)
			case r.State == suites.Gap && !strings.Contains(line, "GAP"):
				t.Errorf("%s: %q is not marked as a gap", r.Requirement.ID, line)
			}
		}
	}
	out.Reset()
	if code := runList([]string{"--coverage", "--format", "markdown"}, &out, &errOut); code != exitOK || out.String() != suites.CoverageMarkdown(cov) {
		t.Fatalf("markdown: exit %d, output %q", code, out.String())
	}
}
