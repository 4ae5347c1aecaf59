package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/fixtures/requirements"
	"github.com/dcrconform/dcrconform/harness/transcript"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"ms":           formatMS,
	"span":         concurrentSpan,
	"headline":     failureHeadline,
	"body":         indentBody,
	"json":         func(v any) string { return prettyJSON(v, "") },
	"join":         strings.Join,
	"time":         func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"outcomeClass": outcomeClass,
	"coverageClass": func(state string) string {
		switch state {
		case "checked":
			return "passed"
		case "gap":
			return "failed"
		}
		return "skipped"
	},
	"add1":       func(i int) int { return i + 1 },
	"status":     statusLine,
	"actual":     actualText,
	"isJWT":      isCompactJWT,
	"dataLabels": dataLabels,
	"pct":        func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
	"isHTTPS":    func(u string) bool { return strings.HasPrefix(u, "https:") },
	"rest":       messageRest,
}).Parse(htmlSource))

type htmlView struct {
	Run          *Run
	Verdict      string
	VerdictClass string
	Profiles     []profileRow // the summary: per target and profile, of the specs the run selected
	Selected     groupRow     // their total
	NotSelected  []countRow   // per profile, the specs the run's filter left out
	Groups       []groupRow
	Total        groupRow
	Requirements []requirementRow
	Coverage     []coverageView
	Matrix       *matrixView // merged records only
	Labels       []labelRow  // filter choices
	Failures     []htmlSpec
	Cards        []failureCard // the failures again, as the page opens with them
	Others       []htmlSpec
	Verification *Verification // set when the record was verified while writing
}

// htmlSpec is a spec as the page shows it; Full says whether its exchanges are shown in full (headers,
// bodies, decoded JWTs) or as one line each.
type htmlSpec struct {
	Spec
	Full bool
}

// HTMLOptions shape an HTML report.
type HTMLOptions struct {
	// Transcripts: TranscriptsFailed (also "") shows the exchanges of failed specs in full and those of
	// the others as one line each, which keeps a passing run's page small and quick to open;
	// TranscriptsAll shows every one in full. The JSON report always has them all.
	Transcripts string
}

type groupRow struct {
	Target, Profile, Operation             string
	Total, Passed, Warned, Failed, Skipped int
	FirstFailure                           string // anchor of the group's first failed spec, for a link
}

// profileRow is one line of the summary: counts, the bar's widths in percent, and the skip reasons.
type profileRow struct {
	groupRow
	PassedPct, WarnedPct, FailedPct, SkippedPct float64
	Reasons                                     []reasonRow
}

type reasonRow struct {
	Reason string
	Specs  []Spec
}

type countRow struct {
	Name  string
	Count int
}

func addCount(rows []countRow, name string) []countRow {
	for i := range rows {
		if rows[i].Name == name {
			rows[i].Count++
			return rows
		}
	}
	return append(rows, countRow{name, 1})
}

type labelRow struct {
	Name, Slug string
	Count      int
}

type matrixView struct {
	Targets []string
	Rows    []matrixRow
}

type matrixRow struct {
	ID, Title, Profile string
	Cells              []*Spec // one per target; nil where the target did not run the spec
}

type requirementRow struct {
	Requirement string
	Verdict     string
	Specs       []Spec
}

// WriteHTML writes the run as one self-contained HTML page (inline CSS, no script, no external
// resource): it opens with each failure (its requirement, expected and actual, the exchange that broke
// it), then a summary by profile and operation, a requirement matrix, every failed spec with its
// transcript, then the passed and skipped specs collapsed. Secrets are masked.
func WriteHTML(w io.Writer, run *Run) error {
	return WriteHTMLWith(w, run, HTMLOptions{})
}

// WriteHTMLWith is WriteHTML with options.
func WriteHTMLWith(w io.Writer, run *Run, opts HTMLOptions) error {
	if err := checkHTMLOptions(opts); err != nil {
		return err
	}
	return writeHTMLFolded(w, foldRun(run.redacted()), opts)
}

func checkHTMLOptions(opts HTMLOptions) error {
	if err := CheckTranscripts(opts.Transcripts); err != nil || opts.Transcripts == TranscriptsNone {
		return fmt.Errorf("html transcripts %q: want failed or all", opts.Transcripts)
	}
	return nil
}

// writeHTMLFolded is WriteHTMLWith of a run already redacted and folded, which it does not change.
func writeHTMLFolded(w io.Writer, folded *Run, opts HTMLOptions) error {
	copied := *folded
	r := &copied
	r.Summarize()
	v := htmlView{Run: r}
	switch {
	case r.Summary.Failed > 0:
		v.Verdict, v.VerdictClass = "FAILED", "failed"
	case r.Summary.ExpectedFailures > 0:
		v.Verdict, v.VerdictClass = "PASSED BUT FOR EXPECTED FAILURES", "expected"
	case r.Summary.Warned > 0:
		v.Verdict, v.VerdictClass = "PASSED WITH WARNINGS", "warning"
	case r.Summary.Passed > 0:
		v.Verdict, v.VerdictClass = "PASSED", "passed"
	default:
		v.Verdict, v.VerdictClass = "NOTHING PASSED", "skipped"
	}
	v.Verification = r.verification
	groups := map[string]int{}
	profiles := map[string]int{}
	reqs := map[string]int{}
	for _, s := range r.Specs {
		i, ok := groups[s.Group()]
		if !ok {
			i = len(v.Groups)
			groups[s.Group()] = i
			v.Groups = append(v.Groups, groupRow{Target: s.Target, Profile: s.Profile, Operation: s.Operation})
		}
		rows := []*groupRow{&v.Groups[i], &v.Total}
		if s.NotSelected() { // the summary counts what the run selected; the rest is one line beneath
			v.NotSelected = addCount(v.NotSelected, s.Profile)
		} else {
			pk := s.Target + "\x00" + s.Profile
			k, ok := profiles[pk]
			if !ok {
				k = len(v.Profiles)
				profiles[pk] = k
				v.Profiles = append(v.Profiles, profileRow{groupRow: groupRow{Target: s.Target, Profile: s.Profile}})
			}
			if s.Skipped() {
				v.Profiles[k].addReason(s)
			}
			rows = append(rows, &v.Profiles[k].groupRow, &v.Selected)
		}
		for _, g := range rows {
			g.Total++
			switch {
			case s.Failed(), s.Outcome == OutcomeExpectedFailure: // an expected failure is still the bank's failure
				g.Failed++
				if g.FirstFailure == "" {
					g.FirstFailure = s.Anchor()
				}
			case s.Skipped():
				g.Skipped++
			case s.Outcome == OutcomePassed:
				g.Passed++
			case s.Outcome == OutcomeWarning:
				g.Warned++
			}
		}
		ids := requirements.SplitIDs(s.Requirement)
		if len(ids) == 0 {
			ids = []string{noRequirement}
		}
		for _, req := range ids { // a spec names one or more register IDs: it counts under each
			j, ok := reqs[req]
			if !ok {
				j = len(v.Requirements)
				reqs[req] = j
				v.Requirements = append(v.Requirements, requirementRow{Requirement: req})
			}
			v.Requirements[j].Specs = append(v.Requirements[j].Specs, s)
		}
		if s.Failed() {
			v.Failures = append(v.Failures, htmlSpec{s, true})
		} else {
			v.Others = append(v.Others, htmlSpec{s, opts.Transcripts == TranscriptsAll})
		}
	}
	slices.SortStableFunc(v.Groups, func(a, b groupRow) int {
		if c := strings.Compare(a.Target, b.Target); c != 0 {
			return c
		}
		return compareGroups(a.Profile, a.Operation, b.Profile, b.Operation)
	})
	slices.SortStableFunc(v.Profiles, func(a, b profileRow) int {
		if c := strings.Compare(a.Target, b.Target); c != 0 {
			return c
		}
		return strings.Compare(a.Profile, b.Profile)
	})
	for i := range v.Profiles {
		p := &v.Profiles[i]
		if p.Total > 0 {
			p.PassedPct = pct(p.Passed, p.Total)
			p.WarnedPct = pct(p.Warned, p.Total)
			p.FailedPct = pct(p.Failed, p.Total)
			p.SkippedPct = pct(p.Skipped, p.Total)
		}
	}
	v.Labels = filterLabels(r.Specs)
	if r.Merged() {
		v.Matrix = buildMatrix(r)
	}
	v.Coverage = coverageViews(r)
	for i := range v.Requirements {
		v.Requirements[i].Verdict = requirementVerdict(v.Requirements[i].Specs)
	}
	slices.SortStableFunc(v.Requirements, func(a, b requirementRow) int {
		switch {
		case a.Requirement == b.Requirement:
			return 0
		case a.Requirement == noRequirement:
			return 1
		case b.Requirement == noRequirement:
			return -1
		}
		return strings.Compare(a.Requirement, b.Requirement)
	})
	clauses := clauseIndex(r)
	for _, f := range v.Failures {
		v.Cards = append(v.Cards, newFailureCard(f.Spec, clauses))
	}
	// Passed specs, then skipped ones, each in run order.
	slices.SortStableFunc(v.Others, func(a, b htmlSpec) int { return rank(a.Spec) - rank(b.Spec) })
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, v); err != nil {
		return err
	}
	return writeText(w, buf.String())
}

// writeText writes a rendered report as valid UTF-8 without control characters: a bank's invalid
// bytes and control characters are shown escaped (\xff, \x1b), which cannot form markup.
func writeText(w io.Writer, s string) error {
	_, err := io.WriteString(w, transcript.PrintableText(s))
	return err
}

const noRequirement = "(no requirement)"

func pct(n, total int) float64 { return float64(int(1000*float64(n)/float64(total))) / 10 }

// addReason counts a skipped spec under its reason (pending specs have none of their own).
func (p *profileRow) addReason(s Spec) {
	reason := s.Reason
	if reason == "" {
		reason = "(" + s.Outcome + ", no reason given)"
	}
	for i := range p.Reasons {
		if p.Reasons[i].Reason == reason {
			p.Reasons[i].Specs = append(p.Reasons[i].Specs, s)
			return
		}
	}
	p.Reasons = append(p.Reasons, reasonRow{Reason: reason, Specs: []Spec{s}})
}

// filterLabels are the labels offered as filters: every label but spec IDs, and the targets of a merged
// record, with the number of specs carrying each.
func filterLabels(specs []Spec) []labelRow {
	ids := map[string]bool{}
	for _, s := range specs {
		ids[s.ID] = true
	}
	count := map[string]int{}
	for _, s := range specs {
		for _, l := range specTokens(s) {
			if !ids[l] {
				count[l]++
			}
		}
	}
	var out []labelRow
	for name, n := range count {
		out = append(out, labelRow{Name: name, Slug: anchorSafe(name), Count: n})
	}
	slices.SortFunc(out, func(a, b labelRow) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// specTokens are the filter tokens of a spec: its labels and, in a merged record, "target:<name>".
func specTokens(s Spec) []string {
	out := slices.Clone(s.Labels)
	if s.Target != "" {
		out = append(out, "target:"+s.Target)
	}
	return out
}

// dataLabels is the data-labels attribute the filters match: each token made selector-safe.
func dataLabels(s Spec) string {
	toks := specTokens(s)
	for i, t := range toks {
		toks[i] = anchorSafe(t)
	}
	return strings.Join(toks, " ")
}

// buildMatrix lays a merged record out as spec × target.
func buildMatrix(r *Run) *matrixView {
	m := &matrixView{}
	col := map[string]int{}
	for _, info := range r.Runs {
		if _, ok := col[info.Target.Name]; !ok {
			col[info.Target.Name] = len(m.Targets)
			m.Targets = append(m.Targets, info.Target.Name)
		}
	}
	row := map[string]int{}
	for i := range r.Specs {
		s := &r.Specs[i]
		c, ok := col[s.Target]
		if !ok {
			c = len(m.Targets)
			col[s.Target] = c
			m.Targets = append(m.Targets, s.Target)
			for j := range m.Rows {
				m.Rows[j].Cells = append(m.Rows[j].Cells, nil)
			}
		}
		j, ok := row[s.ID]
		if !ok {
			j = len(m.Rows)
			row[s.ID] = j
			m.Rows = append(m.Rows, matrixRow{ID: s.ID, Title: s.Title, Profile: s.Profile, Cells: make([]*Spec, len(m.Targets))})
		}
		m.Rows[j].Cells[c] = s
	}
	slices.SortStableFunc(m.Rows, func(a, b matrixRow) int {
		if c := strings.Compare(a.Profile, b.Profile); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return m
}

// actualText is what a failed spec saw: the failure message's "actual:" line, else its panic, else
// its first line.
func actualText(s Spec) string {
	if s.Actual != "" {
		return s.Actual
	}
	for _, line := range strings.Split(s.Reason, "\n") {
		if strings.HasPrefix(line, "panic: ") {
			return line
		}
	}
	first, _, _ := strings.Cut(s.Reason, "\n")
	return first
}

func rank(s Spec) int {
	switch s.Outcome {
	case OutcomeWarning:
		return 0
	case OutcomePassed:
		return 1
	}
	return 2
}

func requirementVerdict(specs []Spec) string {
	var passed, warned, failed, skipped int
	for _, s := range specs {
		switch {
		case s.Failed(), s.Outcome == OutcomeExpectedFailure:
			failed++
		case s.Skipped():
			skipped++
		case s.Outcome == OutcomeWarning:
			warned++
		default:
			passed++
		}
	}
	switch {
	case failed > 0:
		return OutcomeFailed
	case warned > 0:
		return OutcomeWarning
	case passed > 0 && skipped > 0:
		return "partly tested"
	case passed > 0:
		return OutcomePassed
	default:
		return "not tested"
	}
}

func outcomeClass(outcome string) string {
	switch outcome {
	case OutcomePassed:
		return "passed"
	case OutcomeWarning:
		return "warning"
	case OutcomeExpectedFailure:
		return "expected"
	case OutcomeFailed, OutcomePanicked, OutcomeInterrupted:
		return "failed"
	case "partly tested":
		return "partial"
	default:
		return "skipped"
	}
}

// statusLine is an exchange's outcome: the status code, or the error that stopped it.
func statusLine(ex transcript.Exchange) string {
	if ex.Error != "" {
		return "error: " + ex.Error
	}
	return "HTTP " + strconv.Itoa(ex.Status)
}

// isCompactJWT: a body that is one compact JWS (its signature possibly removed), shown decoded instead.
func isCompactJWT(body string) bool {
	t := strings.TrimSuffix(strings.TrimSpace(body), "[signature removed]")
	return strings.HasPrefix(t, "eyJ") && strings.Count(t, ".") == 2 && !strings.ContainsAny(t, " \n\t{\"")
}
