package reports

import (
	_ "embed"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"ms":           formatMS,
	"headline":     failureHeadline,
	"body":         indentBody,
	"json":         func(v any) string { return prettyJSON(v, "") },
	"join":         strings.Join,
	"time":         func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"outcomeClass": outcomeClass,
	"add1":         func(i int) int { return i + 1 },
	"status":       statusLine,
	"actual":       actualText,
	"isJWT":        isCompactJWT,
}).Parse(htmlSource))

type htmlView struct {
	Run          *Run
	Verdict      string
	VerdictClass string
	Groups       []groupRow
	Total        groupRow
	Requirements []requirementRow
	Failures     []Spec
	Others       []Spec
}

type groupRow struct {
	Profile, Operation             string
	Total, Passed, Failed, Skipped int
	FirstFailure                   string // ID of the group's first failed spec, for a link
}

type requirementRow struct {
	Requirement string
	Verdict     string
	Specs       []Spec
}

// WriteHTML writes the run as one self-contained HTML page (inline CSS, no script, no external
// resource): a summary by profile and operation, a requirement matrix, every failure opened with
// expected and actual and its transcript, then the passed and skipped specs collapsed. Secrets are masked.
func WriteHTML(w io.Writer, run *Run) error {
	r := run.redacted()
	r.Summarize()
	v := htmlView{Run: r}
	switch {
	case r.Summary.Failed > 0:
		v.Verdict, v.VerdictClass = "FAILED", "failed"
	case r.Summary.Passed > 0:
		v.Verdict, v.VerdictClass = "PASSED", "passed"
	default:
		v.Verdict, v.VerdictClass = "NOTHING PASSED", "skipped"
	}
	groups := map[string]int{}
	reqs := map[string]int{}
	for _, s := range r.Specs {
		i, ok := groups[s.Group()]
		if !ok {
			i = len(v.Groups)
			groups[s.Group()] = i
			v.Groups = append(v.Groups, groupRow{Profile: s.Profile, Operation: s.Operation})
		}
		for _, g := range []*groupRow{&v.Groups[i], &v.Total} {
			g.Total++
			switch {
			case s.Failed():
				g.Failed++
				if g.FirstFailure == "" {
					g.FirstFailure = s.ID
				}
			case s.Skipped():
				g.Skipped++
			case s.Outcome == OutcomePassed:
				g.Passed++
			}
		}
		req := s.Requirement
		if req == "" {
			req = noRequirement
		}
		j, ok := reqs[req]
		if !ok {
			j = len(v.Requirements)
			reqs[req] = j
			v.Requirements = append(v.Requirements, requirementRow{Requirement: req})
		}
		v.Requirements[j].Specs = append(v.Requirements[j].Specs, s)
		if s.Failed() {
			v.Failures = append(v.Failures, s)
		} else {
			v.Others = append(v.Others, s)
		}
	}
	slices.SortStableFunc(v.Groups, func(a, b groupRow) int {
		return compareGroups(a.Profile, a.Operation, b.Profile, b.Operation)
	})
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
	// Passed specs, then skipped ones, each in run order.
	slices.SortStableFunc(v.Others, func(a, b Spec) int { return rank(a) - rank(b) })
	return htmlTemplate.Execute(w, v)
}

const noRequirement = "(no requirement)"

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
	if s.Outcome == OutcomePassed {
		return 0
	}
	return 1
}

func requirementVerdict(specs []Spec) string {
	var passed, failed, skipped int
	for _, s := range specs {
		switch {
		case s.Failed():
			failed++
		case s.Skipped():
			skipped++
		default:
			passed++
		}
	}
	switch {
	case failed > 0:
		return OutcomeFailed
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
