package reports

import (
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"sort"
	"strings"
)

// Kinds of change between two runs of one spec.
const (
	DiffNewFailure = "newly-fails"    // failed now, passed (or did not run) before: a regression
	DiffNewAnswer  = "fails-anew"     // failed before and now, on a different answer: a regression
	DiffFixed      = "fixed"          // failed before, passes now
	DiffNewWarning = "newly-warns"    // passes now with a SHOULD not met that it met before
	DiffGone       = "no-longer-runs" // failed before, not in this run (not selected, or skipped now)
)

// DiffEntry is one spec whose verdict changed between the base run and the new one.
type DiffEntry struct {
	Kind        string `json:"kind"`
	Target      string `json:"target,omitempty"`
	ID          string `json:"id"`
	Title       string `json:"title"`
	Requirement string `json:"requirement"`
	Before      string `json:"before"` // outcome, and the answer that failed
	After       string `json:"after"`
}

// Regression reports whether the change fails a gate: a new failure, or a failure on another answer.
func (e DiffEntry) Regression() bool { return e.Kind == DiffNewFailure || e.Kind == DiffNewAnswer }

// Diff is what changed from a base run to a new one, in catalogue order.
type Diff struct {
	Base, In RunInfo
	Entries  []DiffEntry
}

// Regressions counts the entries that fail a gate.
func (d Diff) Regressions() int {
	n := 0
	for _, e := range d.Entries {
		if e.Regression() {
			n++
		}
	}
	return n
}

// DiffRuns compares two runs spec by spec (per target in merged records). An expected failure counts as
// a failure: the diff is about the bank, not the list.
func DiffRuns(base, in *Run) Diff {
	d := Diff{Base: infoOf(base), In: infoOf(in)}
	before := map[string]Spec{}
	for _, s := range base.Specs {
		before[s.Target+"\x00"+s.ID] = s
	}
	seen := map[string]bool{}
	for _, s := range in.Specs {
		key := s.Target + "\x00" + s.ID
		seen[key] = true
		b, ran := before[key]
		e := DiffEntry{Target: s.Target, ID: s.ID, Title: s.Title, Requirement: s.Requirement, Before: "not run", After: verdictText(s)}
		if ran {
			e.Before = verdictText(b)
		}
		switch {
		case failedOrExpected(s) && (!ran || !failedOrExpected(b)):
			e.Kind = DiffNewFailure
		case failedOrExpected(s) && answerKey(b) != answerKey(s):
			e.Kind = DiffNewAnswer
		case ran && failedOrExpected(b) && s.Passed():
			e.Kind = DiffFixed
		case ran && b.Outcome == OutcomePassed && s.Outcome == OutcomeWarning:
			e.Kind = DiffNewWarning
		case ran && failedOrExpected(b) && s.Skipped():
			e.Kind = DiffGone
		default:
			continue
		}
		d.Entries = append(d.Entries, e)
	}
	for _, b := range base.Specs {
		if key := b.Target + "\x00" + b.ID; !seen[key] && failedOrExpected(b) {
			d.Entries = append(d.Entries, DiffEntry{Kind: DiffGone, Target: b.Target, ID: b.ID, Title: b.Title, Requirement: b.Requirement, Before: verdictText(b), After: "not run"})
		}
	}
	sort.SliceStable(d.Entries, func(i, j int) bool {
		a, b := d.Entries[i], d.Entries[j]
		if a.Regression() != b.Regression() {
			return a.Regression()
		}
		return a.Target+a.ID < b.Target+b.ID
	})
	return d
}

func infoOf(r *Run) RunInfo {
	return RunInfo{Target: r.Target, StartedAt: r.StartedAt, ToolVersion: r.ToolVersion, Summary: r.Summary}
}

func failedOrExpected(s Spec) bool { return s.Failed() || s.Outcome == OutcomeExpectedFailure }

// verdictText is a spec's outcome and, for a failure, the answer it failed on.
func verdictText(s Spec) string {
	if !failedOrExpected(s) {
		return s.Outcome
	}
	return s.Outcome + ": " + failureHeadline(s)
}

// volatile matches what differs between two runs' answers to the same request: identifiers, tokens,
// ports, timestamps and long numbers.
var volatile = regexp.MustCompile(`[A-Za-z0-9_\-]{16,}|:\d{2,5}\b|\d{4}-\d{2}-\d{2}T[0-9:.]+Z?|\b\d{6,}\b`)

// answerKey is what a failure is about, with the run's volatile values blanked.
func answerKey(s Spec) string {
	text := s.Expected + "\n" + s.Actual
	if strings.TrimSpace(text) == "" {
		text, _, _ = strings.Cut(s.Reason, "\n")
	}
	if len(text) > 4096 {
		text = text[:4096]
	}
	return volatile.ReplaceAllString(text, "…")
}

// WriteDiffText writes the diff for a console: one line per change, regressions first.
func WriteDiffText(w io.Writer, d Diff) error {
	counts := map[string]int{}
	for _, e := range d.Entries {
		counts[e.Kind]++
	}
	_, err := fmt.Fprintf(w, "dcrconform report diff: %d newly fail, %d fail on a different answer, %d fixed, %d newly warn, %d no longer run\n",
		counts[DiffNewFailure], counts[DiffNewAnswer], counts[DiffFixed], counts[DiffNewWarning], counts[DiffGone])
	for _, e := range d.Entries {
		target := ""
		if e.Target != "" {
			target = e.Target + " "
		}
		if _, err := fmt.Fprintf(w, "  %-14s %s%s [%s] %s\n      before: %s\n      now:    %s\n", e.Kind, target, e.ID, e.Requirement, e.Title, e.Before, e.After); err != nil {
			return err
		}
	}
	return err
}

// WriteDiffJUnit writes the diff as JUnit: one testcase per change, a regression as a failure.
func WriteDiffJUnit(w io.Writer, d Diff) error {
	suite := junitSuite{Name: "dcrconform report diff", Time: "0"}
	for _, e := range d.Entries {
		c := junitCase{Name: "[" + e.ID + "] " + e.Title, Classname: "diff." + e.Kind, Time: "0"}
		body := xmlText(fmt.Sprintf("requirement: %s\nbefore: %s\nnow: %s\n", e.Requirement, e.Before, e.After))
		if e.Regression() {
			c.Failure = &junitProblem{Message: e.Kind + ": " + e.After, Type: e.Kind, Body: body}
			suite.Failures++
		} else {
			c.SystemOut = &junitText{body}
		}
		suite.Tests++
		suite.Cases = append(suite.Cases, c)
	}
	out := junitSuites{Name: "dcrconform report diff", Tests: suite.Tests, Failures: suite.Failures, Time: "0", Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	return enc.Encode(out)
}

var diffPage = template.Must(template.New("diff").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>dcrconform report diff</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
tr.regression td:first-child{color:#b00020;font-weight:bold}tr.fixed td:first-child{color:#1b7f3b}</style></head>
<body><h1>dcrconform report diff</h1>
<p>Base: {{.Base.Target.Name}} {{.Base.Target.Profile}} {{.Base.StartedAt.Format "2006-01-02 15:04 MST"}} · New: {{.In.Target.Name}} {{.In.Target.Profile}} {{.In.StartedAt.Format "2006-01-02 15:04 MST"}}</p>
<p>{{.Regressions}} regressions, {{len .Entries}} changes.</p>
<table><tr><th>change</th><th>spec</th><th>requirement</th><th>before</th><th>now</th></tr>
{{range .Entries}}<tr class="{{if .Regression}}regression{{else}}{{.Kind}}{{end}}"><td>{{.Kind}}</td><td>{{with .Target}}{{.}} {{end}}{{.ID}} {{.Title}}</td><td>{{.Requirement}}</td><td>{{.Before}}</td><td>{{.After}}</td></tr>
{{end}}</table></body></html>
`))

// WriteDiffHTML writes the diff as a self-contained HTML page.
func WriteDiffHTML(w io.Writer, d Diff) error { return diffPage.Execute(w, d) }
