package reports

// CoverageSource is the requirement coverage of one source document of the register: its bank-side
// requirements, how many the catalogue checks, how many cannot be checked, and the gaps.
type CoverageSource struct {
	Source       string        `json:"source"`
	Title        string        `json:"title"`
	Total        int           `json:"total"`
	Checked      int           `json:"checked"`
	NotCheckable int           `json:"not_checkable"`
	Gaps         int           `json:"gaps"`
	Rows         []CoverageRow `json:"requirements"`
}

// CoverageRow is one bank-side requirement: checked by Specs, not checkable (Reason), or a gap.
type CoverageRow struct {
	ID      string   `json:"id"`
	Level   string   `json:"level"`
	Section string   `json:"section"`
	Clause  string   `json:"clause"`
	State   string   `json:"state"` // checked, not checkable, gap
	Specs   []string `json:"specs,omitempty"`
	Reason  string   `json:"reason,omitempty"`
	Choices string   `json:"choices,omitempty"`
	Labels  []string `json:"labels,omitempty"`
}

type coverageView struct {
	CoverageSource
	Rows []coverageRowView
}

type coverageRowView struct {
	CoverageRow
	Specs []coverageSpec
}

// coverageSpec is a spec checking a requirement, with its outcome in this run ("not run" otherwise).
type coverageSpec struct {
	ID, Outcome, Anchor string
}

func coverageViews(r *Run) []coverageView {
	ran := map[string]Spec{}
	for _, s := range r.Specs {
		ran[s.ID] = s
	}
	var out []coverageView
	for _, cs := range r.Coverage {
		v := coverageView{CoverageSource: cs}
		for _, row := range cs.Rows {
			rv := coverageRowView{CoverageRow: row}
			for _, id := range row.Specs {
				cs := coverageSpec{ID: id, Outcome: "not run"}
				if s, ok := ran[id]; ok {
					cs.Outcome, cs.Anchor = s.Outcome, s.Anchor()
				}
				rv.Specs = append(rv.Specs, cs)
			}
			v.Rows = append(v.Rows, rv)
		}
		out = append(out, v)
	}
	return out
}
