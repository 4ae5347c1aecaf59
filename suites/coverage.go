package suites

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dcrconform/dcrconform/fixtures/requirements"
	"github.com/dcrconform/dcrconform/reports"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// Coverage states of a bank-side requirement.
const (
	Checked      = "checked"
	NotCheckable = "not checkable"
	Gap          = "gap"
)

// CoverageRow is one bank-side requirement and the specs that name it.
type CoverageRow struct {
	Requirement requirements.Requirement
	Specs       []string
	State       string
}

// CoverageSource is the coverage of one source document.
type CoverageSource struct {
	Source, Title                      string
	File                               string // the register file, fixtures/requirements/<File>
	Read                               int    // documents and pages the file says were read (its read list)
	Sentences                          int    // normative sentences of the texts read whole (its swept list)
	Swept                              bool   // the file has a swept list (its texts may have no normative sentence)
	Constraints                        int    // schema constraints of the schemas read whole (its swept list)
	Sections                           int    // distinct sections of the source its entries quote
	Entries                            int    // every entry, whoever it binds
	Rows                               []CoverageRow
	Total, Checked, NotCheckable, Gaps int // bank-side entries and their states
	OtherSide                          int // entries binding the client or the directory
}

// Coverage computes, per source of the register, which bank-side requirements the catalogue checks.
func Coverage() []CoverageSource { return coverageOf(framework.Catalogue(), requirements.MustLoad()) }

func coverageOf(cat []framework.Scenario, reg *requirements.Register) []CoverageSource {
	specs := map[string][]string{}
	for _, s := range cat {
		for _, id := range s.Requirements() {
			specs[id] = append(specs[id], s.ID)
		}
	}
	var out []CoverageSource
	for _, src := range reg.Sources {
		cs := CoverageSource{Source: src.Source, Title: src.Title, File: src.File, Read: len(src.Read), Sentences: src.SentencesRead(), Swept: len(src.Swept) > 0,
			Constraints: src.ConstraintsRead(), Entries: len(src.Requirements)}
		sections := map[string]bool{}
		for _, q := range src.Requirements {
			sections[q.Section] = true
		}
		cs.Sections = len(sections)
		for _, q := range src.Requirements {
			if q.Binds != requirements.Bank {
				cs.OtherSide++
				continue
			}
			row := CoverageRow{Requirement: q, Specs: specs[q.ID]}
			slices.Sort(row.Specs)
			switch {
			case len(row.Specs) > 0:
				row.State = Checked
				cs.Checked++
			case !q.Observable():
				row.State = NotCheckable
				cs.NotCheckable++
			default:
				row.State = Gap
				cs.Gaps++
			}
			cs.Total++
			cs.Rows = append(cs.Rows, row)
		}
		out = append(out, cs)
	}
	return out
}

// UnknownRequirements lists every scenario requirement ID that is not in the register, as "SPEC: ID".
func UnknownRequirements() []string {
	return unknownIn(framework.Catalogue(), requirements.MustLoad())
}

func unknownIn(cat []framework.Scenario, reg *requirements.Register) []string {
	var bad []string
	for _, s := range cat {
		ids := s.Requirements()
		if len(ids) == 0 {
			bad = append(bad, s.ID+": (none)")
		}
		for _, id := range ids {
			if _, ok := reg.Lookup(id); !ok {
				bad = append(bad, s.ID+": "+id)
			}
		}
	}
	return bad
}

// MisCitations lists the specs that name an entry they cannot enforce: one binding the client or the
// directory (a spec judges the bank), or, for a spec a defect must fail (DefectCatches), no entry of
// MUST class at all (a check is held to the level of the entry it cites, so its breach could only warn).
func MisCitations() []string {
	return misCitationsIn(framework.Catalogue(), requirements.MustLoad(), DefectCatches)
}

func misCitationsIn(cat []framework.Scenario, reg *requirements.Register, catches map[string][]string) []string {
	mustFail := map[string]bool{}
	for _, ids := range catches {
		for _, id := range ids {
			mustFail[id] = true
		}
	}
	var bad []string
	for _, s := range cat {
		hasMust := false
		for _, id := range s.Requirements() {
			q, ok := reg.Lookup(id)
			if !ok {
				continue // unknownIn reports it
			}
			if q.Binds != requirements.Bank {
				bad = append(bad, fmt.Sprintf("%s cites %s, which binds the %s, not the bank", s.ID, id, q.Binds))
			}
			hasMust = hasMust || q.Class() == requirements.ClassMust
		}
		if mustFail[s.ID] && !hasMust {
			bad = append(bad, fmt.Sprintf("%s must fail under a defect but cites no MUST-level entry (%s)", s.ID, s.Requirement))
		}
	}
	return bad
}

// CoverageText renders the coverage for `dcrconform list --coverage`: per source, each bank-side
// requirement with the specs that check it, its reason, or GAP.
func CoverageText(cov []CoverageSource) string {
	var b strings.Builder
	for _, cs := range cov {
		fmt.Fprintf(&b, "%s: %s\n", cs.Source, cs.Title)
		fmt.Fprintf(&b, "  read: %d documents or pages (the read list of fixtures/requirements/%s); %d entries quoting %d sections, %d binding the client or directory\n",
			cs.Read, cs.File, cs.Entries, cs.Sections, cs.OtherSide)
		if cs.Swept && cs.Constraints == 0 {
			fmt.Fprintf(&b, "  swept: %d normative sentences in the texts read whole (the swept list), each quoted by an entry\n", cs.Sentences)
		}
		if cs.Constraints > 0 {
			fmt.Fprintf(&b, "  swept: %d schema constraints in the schemas read whole (the swept list), each stated by an entry's schema rule\n", cs.Constraints)
		}
		fmt.Fprintf(&b, "  %d bank-side requirements: %d checked, %d not observable (reason given), %d gaps\n", cs.Total, cs.Checked, cs.NotCheckable, cs.Gaps)
		for _, r := range cs.Rows {
			q := r.Requirement
			var what string
			switch r.State {
			case Checked:
				what = strings.Join(r.Specs, ", ")
			case NotCheckable:
				what = "not observable: " + q.Reason
			default:
				what = "GAP: no spec"
			}
			fmt.Fprintf(&b, "  %-30s %-9s %s\n", q.ID, q.Level, what)
			if q.Choices != "" && r.State == Checked {
				fmt.Fprintf(&b, "  %-30s %-9s legal answers: %s\n", "", "", q.Choices)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// CoverageMarkdown renders the per-source summary table kept in README.md.
func CoverageMarkdown(cov []CoverageSource) string {
	var b strings.Builder
	b.WriteString("| source | documents read | normative sentences read | sections quoted | entries | client or directory | bank-side | checked | not observable | gaps |\n|---|---|---|---|---|---|---|---|---|---|\n")
	var t CoverageSource
	for _, cs := range cov {
		sentences := "not swept"
		switch {
		case cs.Constraints > 0:
			sentences = fmt.Sprintf("none (a schema: %d constraints)", cs.Constraints)
		case cs.Swept:
			sentences = fmt.Sprint(cs.Sentences)
		}
		fmt.Fprintf(&b, "| %s (%s) | %d | %s | %d | %d | %d | %d | %d | %d | %d |\n", cs.Source, cs.Title, cs.Read, sentences, cs.Sections, cs.Entries,
			cs.OtherSide, cs.Total, cs.Checked, cs.NotCheckable, cs.Gaps)
		t.Read += cs.Read
		t.Sentences += cs.Sentences
		t.Sections += cs.Sections
		t.Entries += cs.Entries
		t.OtherSide += cs.OtherSide
		t.Total += cs.Total
		t.Checked += cs.Checked
		t.NotCheckable += cs.NotCheckable
		t.Gaps += cs.Gaps
	}
	fmt.Fprintf(&b, "| **all** | %d | %d | %d | %d | %d | %d | %d | %d | %d |\n", t.Read, t.Sentences, t.Sections, t.Entries, t.OtherSide, t.Total, t.Checked, t.NotCheckable, t.Gaps)
	return b.String()
}

// ReportCoverage is Coverage in the form the reports carry.
func ReportCoverage() []reports.CoverageSource {
	var out []reports.CoverageSource
	for _, cs := range Coverage() {
		rs := reports.CoverageSource{Source: cs.Source, Title: cs.Title, Total: cs.Total, Checked: cs.Checked,
			NotCheckable: cs.NotCheckable, Gaps: cs.Gaps}
		for _, r := range cs.Rows {
			q := r.Requirement
			rs.Rows = append(rs.Rows, reports.CoverageRow{ID: q.ID, Level: q.Level, Section: q.Section, Clause: q.Clause,
				State: r.State, Specs: r.Specs, Reason: q.Reason, Choices: q.Choices, Labels: q.Labels})
		}
		out = append(out, rs)
	}
	return out
}
