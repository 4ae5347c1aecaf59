package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// JUnit XML in the Jenkins (Ant) dialect, which allows <properties> on <testsuite> only: each spec's
// requirement, kind, expectation and labels are suite properties named "<ID>.requirement" and so on,
// and the requirement also leads each failure message.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`

	target, profile, operation string
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
	SystemErr *junitText    `xml:"system-err,omitempty"` // the spec's warnings (registrations left behind)
}

// junitText is element text written as CDATA, so multi-line output stays readable in the file.
type junitText struct {
	Text string `xml:",cdata"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes the run as JUnit XML: one <testsuite> per profile/operation ("uk/register"), one
// <testcase name="[ID] title" classname="profile.operation"> per spec. Failed specs carry <failure>
// (panicked and interrupted ones <error>) whose message names the requirement, expected and actual,
// and whose text is the failure message and a transcript summary; skipped and pending specs carry
// <skipped message="reason">; the <system-out> of failed specs is their transcript (see
// WriteJUnitWith for others). Secrets are masked.
func WriteJUnit(w io.Writer, run *Run) error {
	return WriteJUnitWith(w, run, JUnitOptions{})
}

// Which specs' transcripts a JUnit report carries in <system-out>.
const (
	TranscriptsFailed = "failed" // the default: a passing run's report stays small enough for CI to render at once
	TranscriptsAll    = "all"
	TranscriptsNone   = "none" // failures still carry their transcript summary
)

// JUnitOptions shape a JUnit report.
type JUnitOptions struct {
	Transcripts string // TranscriptsFailed (also ""), TranscriptsAll or TranscriptsNone
}

// CheckTranscripts refuses a value of --junit-transcripts other than failed, all and none.
func CheckTranscripts(v string) error {
	switch v {
	case "", TranscriptsFailed, TranscriptsAll, TranscriptsNone:
		return nil
	}
	return fmt.Errorf("junit transcripts %q: want failed, all or none", v)
}

// WriteJUnitWith is WriteJUnit with options.
func WriteJUnitWith(w io.Writer, run *Run, opts JUnitOptions) error {
	return writeJUnitRedacted(w, run.redacted(), opts)
}

// writeJUnitRedacted is WriteJUnitWith of a run already redacted, which it does not change.
func writeJUnitRedacted(w io.Writer, r *Run, opts JUnitOptions) error {
	if err := CheckTranscripts(opts.Transcripts); err != nil {
		return err
	}
	out := junitSuites{Name: "dcrconform: " + r.Target.Name, Time: seconds(r.DurationMS)}
	index := map[string]int{}
	var suiteMS []float64
	for _, s := range r.Specs {
		i, ok := index[s.Group()]
		if !ok {
			i = len(out.Suites)
			index[s.Group()] = i
			suiteMS = append(suiteMS, 0)
			target := s.Target
			if target == "" {
				target = r.Target.Name
			}
			out.Suites = append(out.Suites, junitSuite{
				Name:       s.Group(),
				target:     s.Target,
				profile:    s.Profile,
				operation:  s.Operation,
				Properties: append([]junitProperty{{"profile", s.Profile}, {"operation", s.Operation}, {"target", target}, {"tool_version", r.ToolVersion}}, runProperties(r.Target)...),
			})
			if r.Seed != 0 {
				out.Suites[i].Properties = append(out.Suites[i].Properties, junitProperty{"seed", strconv.FormatInt(r.Seed, 10)})
			}
		}
		suite := &out.Suites[i]
		if !s.StartedAt.IsZero() && (suite.Timestamp == "" || s.StartedAt.UTC().Format(junitTime) < suite.Timestamp) {
			suite.Timestamp = s.StartedAt.UTC().Format(junitTime)
		}
		for _, p := range []junitProperty{
			{s.ID + ".requirement", s.Requirement},
			{s.ID + ".kind", s.Kind},
			{s.ID + ".expect", s.Expect},
			{s.ID + ".labels", strings.Join(s.Labels, ",")},
			{s.ID + ".outcome", s.Outcome},
			{s.ID + ".warning", warningLines(s)},
		} {
			if p.Value != "" {
				suite.Properties = append(suite.Properties, p)
			}
		}
		c := junitCase{
			Name:      "[" + s.ID + "] " + s.Title,
			Classname: junitClass(s),
			Time:      seconds(s.DurationMS),
		}
		var sysout strings.Builder
		if len(s.Warnings) > 0 { // a passed case: the warning is its only mark, first in system-out
			sysout.WriteString(warningLines(s) + "\n\n")
		}
		if opts.Transcripts == TranscriptsAll || (opts.Transcripts != TranscriptsNone && s.Failed()) {
			sysout.WriteString(transcriptText(s.Exchanges))
		}
		if sysout.Len() > 0 {
			c.SystemOut = &junitText{xmlText(sysout.String())}
		}
		var warnings []string
		for _, w := range r.Warnings {
			if w.SpecID == s.ID {
				warnings = append(warnings, "warning: "+w.Text())
			}
		}
		for _, f := range r.Findings {
			if f.SpecID == s.ID {
				warnings = append(warnings, "finding: "+f.Text())
			}
		}
		if len(warnings) > 0 {
			c.SystemErr = &junitText{xmlText(strings.Join(warnings, "\n"))}
		}
		switch {
		case s.Failed():
			p := &junitProblem{Message: failureHeadline(s), Type: s.Outcome, Body: xmlText(failureBody(s))}
			if s.Outcome == OutcomeFailed {
				c.Failure = p
				suite.Failures++
				out.Failures++
			} else {
				c.Error = p
				suite.Errors++
				out.Errors++
			}
		case s.Skipped():
			c.Skipped = &junitSkipped{Message: s.Reason}
			suite.Skipped++
		case s.Outcome == OutcomeExpectedFailure: // neither passed nor a failure of the build: its own mark
			c.Skipped = &junitSkipped{Message: failureHeadline(s)}
			c.SystemOut = &junitText{xmlText(failureBody(s))}
			suite.Skipped++
		}
		suite.Tests++
		out.Tests++
		suiteMS[i] += s.DurationMS
		suite.Time = seconds(suiteMS[i])
		suite.Cases = append(suite.Cases, c)
	}
	slices.SortStableFunc(out.Suites, func(a, b junitSuite) int {
		if c := strings.Compare(a.target, b.target); c != 0 {
			return c
		}
		return compareGroups(a.profile, a.operation, b.profile, b.operation)
	})
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	buf.WriteString("\n")
	return writeText(w, buf.String())
}

const junitTime = "2006-01-02T15:04:05"

// junitClass is "profile.operation", led by the target in a merged record ("target.profile.operation"), so
// that a CI's test view shows the matrix as packages; dots in a target name would nest, so they become _.
func junitClass(s Spec) string {
	c := s.Profile + "." + s.Operation
	if s.Target != "" {
		c = strings.ReplaceAll(s.Target, ".", "_") + "." + c
	}
	return c
}

// warningLines are the spec's warnings, one a line: each a SHOULD (or MAY) clause the bank did not meet.
func warningLines(s Spec) string {
	lines := make([]string, len(s.Warnings))
	for i, w := range s.Warnings {
		lines[i] = "WARNING " + w.Text()
	}
	return strings.Join(lines, "\n")
}

func failureBody(s Spec) string {
	var b strings.Builder
	b.WriteString(s.Reason)
	b.WriteString("\n\n")
	fmt.Fprintf(&b, "requirement: %s\n", s.Requirement)
	fmt.Fprintf(&b, "scenario expects: %s\n", s.Expect)
	if s.ErrorCodeSeen != "" {
		fmt.Fprintf(&b, "error code seen: %s\n", s.ErrorCodeSeen)
	}
	if s.Location != "" {
		fmt.Fprintf(&b, "location: %s\n", s.Location)
	}
	b.WriteString("\n")
	b.WriteString(transcriptSummary(s.Exchanges))
	for _, i := range s.Breaches {
		fmt.Fprintf(&b, "the answer that broke the requirement: exchange %d\n", i+1)
	}
	return b.String()
}

// xmlText shows escaped what XML 1.0 cannot carry (control characters, invalid UTF-8: see
// transcript.PrintableText); encoding/xml writes CDATA as it is.
func xmlText(s string) string { return transcript.PrintableText(s) }

// seconds formats milliseconds as JUnit's seconds.
func seconds(ms float64) string { return fmt.Sprintf("%.3f", ms/1000) }

// runProperties name what the run ran, on every suite (the dialect has no run-level properties): all
// its profiles, and the reference bank's defects and choices when any.
func runProperties(t Target) []junitProperty {
	var out []junitProperty
	for _, p := range []junitProperty{
		{"profiles", strings.Join(t.ProfileNames(), ",")},
		{"defects", strings.Join(t.Defects, ",")},
		{"bank_choices", strings.Join(t.BankChoices, ",")},
	} {
		if p.Value != "" {
			out = append(out, p)
		}
	}
	return out
}
