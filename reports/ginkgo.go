package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Report entry names attached by suites/framework (framework.EntryScenario, framework.EntryTranscript)
// and by framework.ExpectError.
const (
	entryScenario   = "dcrconform.scenario"
	entryTranscript = "dcrconform.transcript"
	entryErrorCode  = "error code seen"
	entryLeak       = "dcrconform.leak"    // framework.EntryLeak: a registration the cleanup could not delete
	entryWarning    = "dcrconform.warning" // framework.EntryWarning: a SHOULD the bank did not meet
	entryNote       = "dcrconform.note"    // framework.EntryNote: a deviation a set-up step saw
	entryBreach     = "dcrconform.breach"  // framework.EntryBreach: the exchanges that broke the requirement
)

// Meta is what a run's report needs beyond the Ginkgo report.
type Meta struct {
	ToolVersion     string
	TargetName      string
	Profile         string
	DiscoveryURL    string
	RegistrationURL string
	TokenURL        string
	// ProfileEndpoints is the registration endpoint of each profile the target serves, where it has
	// one of its own (else RegistrationURL).
	ProfileEndpoints map[string]string
	// Defects and BankChoices are the embedded reference bank's (run --defect, --bank-choice).
	Defects     []string
	BankChoices []string
	// Catalogue, if set, describes specs that ended before their scenario was attached (filtered out,
	// or skipped in a BeforeEach). reports.Scenario(s) converts a framework.Scenario.
	Catalogue []Scenario
	// Coverage, if set, is the requirement coverage of the catalogue, shown in the HTML report.
	Coverage []CoverageSource
}

// Scenario mirrors framework.Scenario field for field (and its JSON form), so that a
// framework.Scenario converts to it, and this package does not depend on the suites.
type Scenario struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Requirement string   `json:"requirement"`
	Profile     string   `json:"profile"`
	Operation   string   `json:"operation"`
	Kind        string   `json:"kind"`
	Expect      string   `json:"expect"`
	Labels      []string `json:"labels,omitempty"`
}

// FromGinkgo builds the run's report from a Ginkgo report, either the in-process one (entry values
// are Go values) or one decoded from Ginkgo's JSON report (entry values are JSON). It reports every It
// spec, and every failed suite-level node (BeforeSuite, AfterSuite, ...) as a failed pseudo-spec.
// Secrets are masked again.
func FromGinkgo(r types.Report, meta Meta) *Run {
	run := &Run{
		SchemaVersion: SchemaVersion,
		ToolVersion:   meta.ToolVersion,
		Target: Target{
			Name:            meta.TargetName,
			Profile:         meta.Profile,
			DiscoveryURL:    meta.DiscoveryURL,
			RegistrationURL: meta.RegistrationURL,
			TokenURL:        meta.TokenURL,
			Defects:         meta.Defects,
			BankChoices:     meta.BankChoices,
		},
		StartedAt:  r.StartTime,
		DurationMS: millis(r.RunTime),
		Seed:       r.SuiteConfig.RandomSeed,
		Specs:      []Spec{},
	}
	if run.Target.Name == "" {
		run.Target.Name = strings.TrimPrefix(r.SuiteDescription, "dcrconform: ")
	}
	run.Coverage = meta.Coverage
	if len(meta.Catalogue) > 0 {
		run.CatalogueDigest = CatalogueDigest(meta.Catalogue)
	}
	catalogue := map[string]Scenario{}
	for _, s := range meta.Catalogue {
		catalogue[s.ID] = s
	}
	var end time.Time
	for _, sr := range r.SpecReports {
		if sr.EndTime.After(end) {
			end = sr.EndTime
		}
		switch {
		case sr.LeafNodeType == types.NodeTypeIt && NotSelected(sr, r):
			run.Summary.NotSelected++
		case sr.LeafNodeType == types.NodeTypeIt:
			spec := specFrom(sr, r, meta, catalogue)
			run.Specs = append(run.Specs, spec)
			run.Warnings = append(run.Warnings, leaksOf(sr, spec.ID)...)
			run.Findings = append(run.Findings, findingsOf(sr, spec.ID)...)
		case sr.LeafNodeType.Is(types.NodeTypesForSuiteLevelNodes) && sr.State.Is(types.SpecStateFailureStates):
			run.Specs = append(run.Specs, suiteNodeFrom(sr, meta))
		}
	}
	if run.DurationMS == 0 && !r.StartTime.IsZero() && end.After(r.StartTime) {
		run.DurationMS = millis(end.Sub(r.StartTime))
	}
	run.Target.Profiles = profilesRun(run.Specs, meta)
	if len(run.Target.Profiles) > 0 {
		run.Target.Profile = strings.Join(run.Target.ProfileNames(), ",")
	}
	run.Summarize()
	return run.redacted()
}

// profilesRun are the profiles of the specs the run selected, sorted, each with its registration endpoint.
func profilesRun(specs []Spec, meta Meta) []TargetProfile {
	var names []string
	for _, s := range specs {
		if s.Operation != "suite" && s.Profile != "" && s.Profile != "unknown" && !slices.Contains(names, s.Profile) {
			names = append(names, s.Profile)
		}
	}
	slices.Sort(names)
	var out []TargetProfile
	for _, n := range names {
		url := meta.ProfileEndpoints[n]
		if url == "" {
			url = meta.RegistrationURL
		}
		out = append(out, TargetProfile{Name: n, RegistrationURL: url})
	}
	return out
}

// ProfilesSelected are the profiles of the specs a Ginkgo run selected, sorted (see Target.Profiles).
func ProfilesSelected(r types.Report) []string {
	var names []string
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt || NotSelected(sr, r) {
			continue
		}
		p := ""
		if sc, ok := scenarioOf(sr); ok {
			p = sc.Profile
		} else if labels := sr.Labels(); len(labels) >= 4 {
			p = labels[0]
		}
		if p != "" && !slices.Contains(names, p) {
			names = append(names, p)
		}
	}
	slices.Sort(names)
	return names
}

var specTextRE = regexp.MustCompile(`^\[([^\]]+)\]\s*(.*)$`)

// SplitSpecText splits a spec's text, "[ID] title" (as framework.Scenario.SpecText writes it).
func SplitSpecText(text string) (id, title string, ok bool) {
	m := specTextRE.FindStringSubmatch(text)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

func specFrom(sr types.SpecReport, r types.Report, meta Meta, catalogue map[string]Scenario) Spec {
	sc, ok := scenarioOf(sr)
	if !ok {
		id, title, split := SplitSpecText(sr.LeafNodeText)
		if !split {
			id, title = sr.LeafNodeText, sr.LeafNodeText
		}
		if sc, ok = catalogue[id]; !ok {
			sc = inferScenario(id, title, sr.LeafNodeLabels, meta.Profile)
		}
	}
	s := Spec{
		ID:          sc.ID,
		Title:       sc.Title,
		Requirement: sc.Requirement,
		Profile:     sc.Profile,
		Operation:   sc.Operation,
		Kind:        sc.Kind,
		Labels:      sr.Labels(),
		Expect:      sc.Expect,
		Location:    sourceLocation(sr.LeafNodeLocation),
		StartedAt:   sr.StartTime,
		DurationMS:  millis(sr.RunTime),
		Exchanges:   transcriptOf(sr),
	}
	if len(s.Labels) == 0 {
		s.Labels = append([]string{sc.Profile, sc.Operation, sc.Kind, sc.ID}, sc.Labels...)
	}
	s.Outcome, s.Reason = outcomeOf(sr, r)
	if s.Failed() {
		s.Location = sourceLocation(sr.Failure.Location)
		s.Expected, s.Actual = expectedActual(s.Reason)
	}
	var code string
	if entryValue(sr, entryErrorCode, &code) {
		s.ErrorCodeSeen = code
	}
	s.Warnings = warningsOf(sr)
	if s.Outcome == OutcomePassed && len(s.Warnings) > 0 {
		s.Outcome = OutcomeWarning
	}
	for _, e := range sr.ReportEntries {
		var note string
		if e.Name == entryNote && decodeEntry(e, &note) == nil {
			s.Notes = append(s.Notes, note)
		}
	}
	var breaches []int
	if s.Failed() && entryValue(sr, entryBreach, &breaches) {
		for _, i := range breaches {
			if i >= 0 && i < len(s.Exchanges) {
				s.Breaches = append(s.Breaches, i)
			}
		}
	}
	return s
}

// warningsOf are the checks below MUST level a spec recorded as failed (framework.Warning entries).
func warningsOf(sr types.SpecReport) []SpecWarning {
	var out []SpecWarning
	for _, e := range sr.ReportEntries {
		var w SpecWarning
		if e.Name == entryWarning && decodeEntry(e, &w) == nil {
			out = append(out, w)
		}
	}
	return out
}

// Warned reports whether a Ginkgo spec passed with a warning: a check of a SHOULD clause it recorded.
func Warned(sr types.SpecReport) bool {
	return sr.State == types.SpecStatePassed && len(warningsOf(sr)) > 0
}

// inferScenario describes a spec that has no scenario entry from its "[ID] title" text and its labels
// (profile, operation, kind, ID, as framework.ConformanceIt sets them).
func inferScenario(id, title string, labels []string, profile string) Scenario {
	sc := Scenario{ID: id, Title: title, Profile: profile, Operation: "unknown"}
	if len(labels) >= 4 && labels[3] == id {
		sc.Profile, sc.Operation, sc.Kind = labels[0], labels[1], labels[2]
	}
	if sc.Profile == "" {
		sc.Profile = "unknown"
	}
	return sc
}

func suiteNodeFrom(sr types.SpecReport, meta Meta) Spec {
	node := sr.LeafNodeType.String()
	title := node + " failed"
	if sr.LeafNodeText != "" {
		title += ": " + sr.LeafNodeText
	}
	profile := meta.Profile
	if profile == "" {
		profile = "suite"
	}
	s := Spec{
		ID:         "SUITE-" + strings.ToUpper(node),
		Title:      title,
		Profile:    profile,
		Operation:  "suite",
		Labels:     []string{},
		Expect:     node + " to succeed",
		Location:   sourceLocation(sr.Failure.Location),
		StartedAt:  sr.StartTime,
		DurationMS: millis(sr.RunTime),
		Exchanges:  transcriptOf(sr),
	}
	s.Outcome, s.Reason = outcomeOf(sr, types.Report{})
	s.Expected, s.Actual = expectedActual(s.Reason)
	return s
}

func outcomeOf(sr types.SpecReport, r types.Report) (outcome, reason string) {
	switch sr.State {
	case types.SpecStatePassed:
		return OutcomePassed, ""
	case types.SpecStatePending:
		return OutcomePending, "pending: the spec is marked pending in the suite"
	case types.SpecStateSkipped:
		if sr.Failure.Message != "" {
			return OutcomeSkipped, sr.Failure.Message
		}
		return OutcomeSkipped, notRunReason(r)
	case types.SpecStatePanicked:
		return OutcomePanicked, failureText(sr)
	case types.SpecStateInterrupted, types.SpecStateAborted:
		return OutcomeInterrupted, failureText(sr)
	default: // failed, timed out
		return OutcomeFailed, failureText(sr)
	}
}

// notSelected reports whether the run's label filter or focus left the spec out (Ginkgo skips it
// without a message), as opposed to a spec the run selected and skipped, or never reached.
// NotSelected reports whether a spec of r was left out by the run's label filter or focus (skipped
// without a reason, in a run that did not end early).
func NotSelected(sr types.SpecReport, r types.Report) bool {
	return sr.State == types.SpecStateSkipped && sr.Failure.Message == "" && len(r.SpecialSuiteFailureReasons) == 0
}

func notRunReason(r types.Report) string {
	if len(r.SpecialSuiteFailureReasons) > 0 {
		return "not run: the run ended early (" + strings.Join(r.SpecialSuiteFailureReasons, "; ") + ")"
	}
	var sel []string
	if f := r.SuiteConfig.LabelFilter; f != "" {
		sel = append(sel, fmt.Sprintf("label filter %q", f))
	}
	if f := r.SuiteConfig.FocusStrings; len(f) > 0 {
		sel = append(sel, fmt.Sprintf("focus %q", strings.Join(f, ", ")))
	}
	if len(sel) > 0 {
		return notSelectedPrefix + strings.Join(sel, " and ")
	}
	return "not run"
}

func failureText(sr types.SpecReport) string {
	msg := sr.Failure.Message
	if sr.State == types.SpecStateTimedout {
		msg = "timed out: " + msg
	}
	if p := sr.Failure.ForwardedPanic; p != "" {
		msg += "\npanic: " + p
	}
	for _, af := range sr.AdditionalFailures {
		msg += fmt.Sprintf("\n\nalso %s in %s: %s", af.State, af.Failure.FailureNodeType, af.Failure.Message)
	}
	return strings.TrimSpace(msg)
}

// expectedActual picks the "expected:" and "actual:" lines of a framework failure message; a failure
// naming several mismatches has a pair for each, joined here with "; ".
func expectedActual(reason string) (expected, actual string) {
	var exp, act []string
	for _, line := range strings.Split(reason, "\n") {
		if v, ok := strings.CutPrefix(line, "expected:"); ok {
			exp = append(exp, strings.TrimSpace(v))
		} else if v, ok := strings.CutPrefix(line, "actual:"); ok {
			act = append(act, strings.TrimSpace(v))
		}
	}
	return strings.Join(exp, "; "), strings.Join(act, "; ")
}

// Leaks are the registrations the run's cleanup could not delete, read from a Ginkgo report without
// building the whole run (which a run writing no report skips).
func Leaks(r types.Report) []Warning {
	var out []Warning
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType == types.NodeTypeIt {
			id, _, split := SplitSpecText(sr.LeafNodeText)
			if !split {
				id = sr.LeafNodeText
			}
			out = append(out, leaksOf(sr, id)...)
		}
	}
	return out
}

// leaksOf are the registrations a spec's cleanup could not delete.
func leaksOf(sr types.SpecReport, specID string) []Warning {
	var out []Warning
	for _, e := range sr.ReportEntries {
		var leak struct {
			ClientID string `json:"client_id"`
			Reason   string `json:"reason"`
		}
		if e.Name == entryLeak && decodeEntry(e, &leak) == nil {
			out = append(out, Warning{SpecID: specID, ClientID: leak.ClientID, Message: leak.Reason})
		}
	}
	return out
}

func scenarioOf(sr types.SpecReport) (Scenario, bool) {
	var sc Scenario
	if !entryValue(sr, entryScenario, &sc) || sc.ID == "" {
		return Scenario{}, false
	}
	return sc, true
}

func transcriptOf(sr types.SpecReport) []transcript.Exchange {
	var exs []transcript.Exchange
	for i := len(sr.ReportEntries) - 1; i >= 0; i-- {
		e := sr.ReportEntries[i]
		if e.Name != entryTranscript {
			continue
		}
		if raw, ok := e.GetRawValue().([]transcript.Exchange); ok && e.Value.AsJSON == "" {
			exs = append([]transcript.Exchange(nil), raw...)
		} else {
			_ = decodeEntry(e, &exs)
		}
		break
	}
	if exs == nil {
		exs = []transcript.Exchange{}
	}
	return exs
}

// entryValue decodes the last report entry called name into v.
func entryValue(sr types.SpecReport, name string, v any) bool {
	for i := len(sr.ReportEntries) - 1; i >= 0; i-- {
		if sr.ReportEntries[i].Name == name {
			return decodeEntry(sr.ReportEntries[i], v) == nil
		}
	}
	return false
}

// decodeEntry decodes an entry's value through JSON: Value.AsJSON when the report was read from JSON,
// else the in-process Go value, marshalled.
func decodeEntry(e types.ReportEntry, v any) error {
	data := []byte(e.Value.AsJSON)
	if len(data) == 0 {
		raw := e.GetRawValue()
		if raw == nil {
			return fmt.Errorf("report entry %q has no value", e.Name)
		}
		var err error
		if data, err = json.Marshal(raw); err != nil {
			return err
		}
	}
	return json.Unmarshal(data, v)
}

// WriteGinkgoJSON writes Ginkgo's own JSON report (what Ginkgo's --json-report writes) to path, with
// secrets masked by the rules of every other output.
func WriteGinkgoJSON(path string, r types.Report) error {
	data, err := json.MarshalIndent([]types.Report{r}, "", "  ")
	if err != nil {
		return err
	}
	red := transcript.RedactJSON(string(data))
	return writeFile(path, func(w io.Writer) error {
		_, err := io.WriteString(w, red+"\n")
		return err
	})
}

// millis is d in milliseconds, to the microsecond.
func millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}
