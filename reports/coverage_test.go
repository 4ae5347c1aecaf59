package reports

import (
	"bytes"
	"strings"
	"testing"
)

func TestHTMLCoverageSection(t *testing.T) {
	run := &Run{SchemaVersion: SchemaVersion, Specs: []Spec{
		{ID: "UK-REG-N01", Title: "bad SSA", Requirement: "RFC7591-3.2.2-SSA, OBIE-DCR-3.3-SSA-SIGNATURE", Profile: "uk", Operation: "register", Outcome: OutcomeFailed},
	}, Coverage: []CoverageSource{{Source: "OBIE-DCR", Title: "UK DCR", Total: 3, Checked: 1, NotCheckable: 1, Gaps: 1, Rows: []CoverageRow{
		{ID: "OBIE-DCR-3.3-SSA-SIGNATURE", Level: "MUST", State: "checked", Specs: []string{"UK-REG-N01", "UK-REG-N17"}},
		{ID: "OBIE-DCR-3.3-CIBA", Level: "REQUIRED", State: "not checkable", Reason: "out of scope: CIBA"},
		{ID: "OBIE-DCR-3.3-SOFTWARE-ID", Level: "MUST", State: "gap", Choices: "refuse, or register the SSA's"},
	}}}}
	var b bytes.Buffer
	if err := WriteHTML(&b, run); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	i := strings.Index(page, `<section id="coverage">`)
	if i < 0 {
		t.Fatal("no coverage section")
	}
	sec := page[i : i+strings.Index(page[i:], "</section>")]
	for _, want := range []string{
		"1 checked, 1 not checkable, 1 gaps",
		`href="#` + run.Specs[0].Anchor() + `">UK-REG-N01 failed</a>`,
		"UK-REG-N17 not run",
		"out of scope: CIBA",
		`<span class="badge failed">gap</span>`,
		"legal answers: refuse, or register the SSA&#39;s",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("coverage section lacks %q", want)
		}
	}
	// The requirement matrix lists the spec under each of its IDs.
	matrix := page[strings.Index(page, `<section id="requirements">`):]
	matrix = matrix[:strings.Index(matrix, "</section>")]
	for _, id := range []string{">RFC7591-3.2.2-SSA<", ">OBIE-DCR-3.3-SSA-SIGNATURE<"} {
		if !strings.Contains(matrix, id) {
			t.Errorf("requirement matrix has no row %s", id)
		}
	}
}

func TestHTMLWithoutCoverageHasNoSection(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, &Run{SchemaVersion: SchemaVersion}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), `id="coverage"`) {
		t.Error("a run without coverage shows a coverage section")
	}
}
