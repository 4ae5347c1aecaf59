// Package reports turns a conformance run into the reports a bank's engineer reads: a versioned JSON
// report (the source of truth, see SCHEMA.md), JUnit XML for CI, and a self-contained HTML page. Every
// writer masks secrets again before writing, whatever the run it is given.
package reports

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// SchemaVersion identifies the JSON report format WriteJSON writes. See SCHEMA.md for the version policy.
const SchemaVersion = "dcrconform.report/v2"

// schemaV1 is the format before JWT members were shared (jwts_shared); ReadJSON still reads it.
const schemaV1 = "dcrconform.report/v1"

// Outcomes of a spec.
const (
	OutcomePassed      = "passed"
	OutcomeWarning     = "warning" // passed, with a SHOULD (or MAY) clause the bank did not meet
	OutcomeFailed      = "failed"
	OutcomeSkipped     = "skipped"
	OutcomePending     = "pending"
	OutcomePanicked    = "panicked"
	OutcomeInterrupted = "interrupted"
)

// Run is one conformance run: the JSON report's top-level object.
type Run struct {
	SchemaVersion string    `json:"schema_version"`
	ToolVersion   string    `json:"tool_version"`
	Target        Target    `json:"target"`
	StartedAt     time.Time `json:"started_at"`
	DurationMS    float64   `json:"duration_ms"`
	// Seed is the Ginkgo random seed that ordered the run's spec groups; run --seed replays it.
	Seed     int64     `json:"seed,omitempty"`
	Summary  Summary   `json:"summary"`
	Warnings []Warning `json:"warnings,omitempty"` // what the run left on the target
	Findings []Finding `json:"findings,omitempty"` // what the run found beside the verdicts (run --procs)
	Specs    []Spec    `json:"specs"`
	// CatalogueDigest identifies the scenario catalogue of the binary that ran (see CatalogueDigest).
	CatalogueDigest string `json:"catalogue_digest,omitempty"`
	// Coverage is the requirement coverage of the catalogue that ran (dcrconform list --coverage).
	Coverage []CoverageSource `json:"coverage,omitempty"`
	// Runs lists the source runs of a merged record (see Merge); absent in a single run.
	Runs []RunInfo `json:"runs,omitempty"`
	// Signature is present in a signed record (see Sign); it covers every other member.
	Signature *Signature `json:"signature,omitempty"`

	verification *Verification // shown by the HTML report when set (SetVerification)
}

// SetVerification records the outcome of VerifyRecord on this run's file, for the HTML report to show.
func (r *Run) SetVerification(v *Verification) { r.verification = v }

// Warning is something the run could not undo on the target: a registration its cleanup could not
// delete. It does not change any verdict, but the bank's operator has a client to remove.
type Warning struct {
	SpecID   string `json:"spec_id"`
	ClientID string `json:"client_id"`
	Message  string `json:"message"`
}

// Text is the warning on one line.
func (w Warning) Text() string {
	id, msg := transcript.ClipText(w.ClientID, maxReportID), transcript.ClipText(w.Message, maxReportText)
	if id == "" {
		return fmt.Sprintf("%s: a registration whose client_id the target did not give may have been left on the target: %s", w.SpecID, msg)
	}
	return fmt.Sprintf("%s: registration %s was left on the target: %s", w.SpecID, id, msg)
}

// Target is the server the run was against.
type Target struct {
	Name string `json:"name"`
	// Profile is the profile run; the profiles, comma-separated, in a run (or merge) of several.
	Profile         string `json:"profile"`
	DiscoveryURL    string `json:"discovery_url,omitempty"`
	RegistrationURL string `json:"registration_url,omitempty"`
	TokenURL        string `json:"token_url,omitempty"`
	// Profiles are the profiles whose specs the run selected, each with its registration endpoint.
	Profiles []TargetProfile `json:"profiles,omitempty"`
	// Defects and BankChoices are what the embedded reference bank was started with (run --defect,
	// --bank-choice NAME=VALUE): a run against a deliberately broken or varied bank says so.
	Defects     []string `json:"defects,omitempty"`
	BankChoices []string `json:"bank_choices,omitempty"`
}

// TargetProfile is one profile a run ran.
type TargetProfile struct {
	Name            string `json:"name"`
	RegistrationURL string `json:"registration_url,omitempty"`
}

// ProfileNames are the names of the profiles run (Profiles), else of the Profile field's.
func (t Target) ProfileNames() []string {
	var out []string
	for _, p := range t.Profiles {
		out = append(out, p.Name)
	}
	if len(out) == 0 {
		for _, p := range strings.Split(t.Profile, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// Setup is the run's set-up on one line: its profiles and, when any, the reference bank's defects and
// choices, e.g. "profiles cdr, uk; reference-bank defects: skip-ssa-signature".
func (t Target) Setup() string {
	var parts []string
	switch names := t.ProfileNames(); len(names) {
	case 0:
	case 1:
		parts = append(parts, "profile "+names[0])
	default:
		parts = append(parts, "profiles "+strings.Join(names, ", "))
	}
	if len(t.Defects) > 0 {
		parts = append(parts, "reference-bank defects: "+strings.Join(t.Defects, ", "))
	}
	if len(t.BankChoices) > 0 {
		parts = append(parts, "reference-bank choices: "+strings.Join(t.BankChoices, ", "))
	}
	return strings.Join(parts, "; ")
}

// Summary counts specs by outcome. Failed includes panicked and interrupted; Skipped includes pending.
// NotSelected counts the catalogue's specs that the run's label filter or focus left out: they are
// in no other count, and in no report's list of specs.
type Summary struct {
	Total   int `json:"total"`
	Passed  int `json:"passed"`
	Warned  int `json:"warned,omitempty"` // outcome warning: passed, with a SHOULD (or MAY) not met
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	// ExpectedFailures counts the failures a bank's expected-failures list named (outcome expected-failure).
	ExpectedFailures int `json:"expected_failures,omitempty"`
	NotSelected      int `json:"not_selected,omitempty"`
}

// Spec is the result of one conformance spec (or of a failed suite-level node, see FromGinkgo).
type Spec struct {
	// Target is the name of the spec's target in a merged record (see Merge); absent in a single run.
	Target      string   `json:"target,omitempty"`
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Requirement string   `json:"requirement"`
	Profile     string   `json:"profile"`
	Operation   string   `json:"operation"`
	Kind        string   `json:"kind"`
	Labels      []string `json:"labels"`
	Expect      string   `json:"expect"` // the scenario's declared expectation
	Outcome     string   `json:"outcome"`
	Reason      string   `json:"reason,omitempty"` // failure message or skip reason
	// Expected and Actual are the "expected:" and "actual:" lines of a framework failure message.
	Expected      string    `json:"expected,omitempty"`
	Actual        string    `json:"actual,omitempty"`
	Location      string    `json:"location,omitempty"`
	StartedAt     time.Time `json:"started_at,omitzero"`
	DurationMS    float64   `json:"duration_ms"`
	ErrorCodeSeen string    `json:"error_code_seen,omitempty"`
	// Warnings are the checks below MUST level the bank did not meet (outcome warning, or beside a failure).
	Warnings []SpecWarning `json:"warnings,omitempty"`
	// Notes are deviations the spec's set-up steps saw and did not judge (the specs owning them do).
	Notes     []string              `json:"notes,omitempty"`
	Exchanges []transcript.Exchange `json:"exchanges"`
	// Breaches are the indexes (from 0) into Exchanges of the exchanges whose answers broke the
	// requirement of a failed spec.
	Breaches []int `json:"breach_exchanges,omitempty"`
}

// SpecWarning is a check of a SHOULD (or MAY) clause that the bank did not meet: it leaves the spec
// passed, with the outcome warning (framework.Warning, as the spec recorded it).
type SpecWarning struct {
	Requirement string `json:"requirement"` // register ID of the clause
	Level       string `json:"level"`       // its level, e.g. SHOULD
	Expected    string `json:"expected"`
	Actual      string `json:"actual"`
	Exchange    string `json:"exchange,omitempty"` // the request answered: "METHOD URL -> status"
}

// Text is the warning on one line.
func (w SpecWarning) Text() string {
	s := fmt.Sprintf("[%s, %s] expected %s / actual %s", w.Requirement, w.Level, w.Expected, w.Actual)
	if w.Exchange != "" {
		s += " (" + w.Exchange + ")"
	}
	return s
}

// Breach reports whether the spec's exchange i (from 0) broke its requirement.
func (s Spec) Breach(i int) bool { return slices.Contains(s.Breaches, i) }

// Failed reports whether the outcome counts as a failure.
func (s Spec) Failed() bool {
	return s.Outcome == OutcomeFailed || s.Outcome == OutcomePanicked || s.Outcome == OutcomeInterrupted
}

// Passed reports whether the spec passed, with or without a warning.
func (s Spec) Passed() bool { return s.Outcome == OutcomePassed || s.Outcome == OutcomeWarning }

// Skipped reports whether the spec did not run to a verdict (skipped or pending).
func (s Spec) Skipped() bool { return s.Outcome == OutcomeSkipped || s.Outcome == OutcomePending }

// Group is "profile/operation" ("target/profile/operation" in a merged record), the unit reports are grouped by.
func (s Spec) Group() string {
	if s.Target != "" {
		return s.Target + "/" + s.Profile + "/" + s.Operation
	}
	return s.Profile + "/" + s.Operation
}

// Anchor is the spec's HTML element id, unique in a merged record too.
func (s Spec) Anchor() string {
	if s.Target != "" {
		return "spec-" + anchorSafe(s.Target) + "-" + s.ID
	}
	return "spec-" + s.ID
}

func anchorSafe(v string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, v)
}

// Summarize recomputes r.Summary from r.Specs.
func (r *Run) Summarize() {
	s := Summary{NotSelected: r.Summary.NotSelected} // not derived from Specs, which leave them out
	for _, sp := range r.Specs {
		s.Total++
		switch {
		case sp.Failed():
			s.Failed++
		case sp.Skipped():
			s.Skipped++
		case sp.Outcome == OutcomePassed:
			s.Passed++
		case sp.Outcome == OutcomeWarning:
			s.Warned++
		case sp.Outcome == OutcomeExpectedFailure:
			s.ExpectedFailures++
		}
	}
	r.Summary = s
}

// WriteJSON writes the run as JSON in the SchemaVersion format, secrets masked, each exchange's JWTs
// folded (see foldRun) and the members its decoded JWTs share written once (see shareJWTs): compact,
// one spec per line (a third smaller than indented; jq . pretty-prints it).
func WriteJSON(w io.Writer, r *Run) error { return writeJSON(w, r, true) }

// writeJSON is WriteJSON, with JWT members shared or (share false, for comparison) not.
func writeJSON(w io.Writer, r *Run, share bool) error {
	return writeJSONFolded(w, foldRun(r.redacted()), share)
}

// writeJSONFolded is writeJSON of a run already redacted and folded, which it does not change.
func writeJSONFolded(w io.Writer, folded *Run, share bool) error {
	copied := *folded
	run := &copied
	run.SchemaVersion = SchemaVersion
	var shared map[sharedKey]*roleShared
	if share {
		shared = shareJWTs(run.Specs)
	}
	specs := wireSpecs(run.Specs, shared)
	run.Specs = nil
	head, err := specJSON(run)
	if err != nil {
		return err
	}
	// The first "specs" member is the run's (target and summary, written before it, have none): the
	// array goes in place of its null, after the shared JWT members.
	before, after, ok := bytes.Cut(head, []byte(`"specs":null`))
	if !ok {
		return errors.New("reports: JSON layout: no specs member")
	}
	var b bytes.Buffer
	b.Write(before)
	if sh := sharedJSON(shared); sh != nil {
		line, err := specJSON(sh)
		if err != nil {
			return err
		}
		b.WriteString(`"jwts_shared":`)
		b.Write(line)
		b.WriteString(",\n")
	}
	b.WriteString(`"specs":[`)
	for i, s := range specs {
		line, err := specJSON(s)
		if err != nil {
			return err
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		b.Write(line)
	}
	b.WriteString("\n]")
	b.Write(after)
	b.WriteByte('\n')
	_, err = w.Write(b.Bytes())
	return err
}

func specJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// maxUnzipped caps a gzipped report's uncompressed size.
const maxUnzipped = 1 << 30

// gunzipped is data uncompressed when it is gzip (as written to a path ending in .gz), else data.
func gunzipped(data []byte) ([]byte, error) {
	if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if data, err = io.ReadAll(io.LimitReader(zr, maxUnzipped+1)); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if len(data) > maxUnzipped {
		return nil, fmt.Errorf("gzip: more than %d bytes uncompressed", maxUnzipped)
	}
	return data, nil
}

// ReadJSON reads a run written by WriteJSON, gzipped or not, with every decoded JWT whole. It reads
// SchemaVersion and schemaV1 and rejects any other schema version.
func ReadJSON(rd io.Reader) (*Run, error) {
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, err
	}
	if data, err = gunzipped(data); err != nil {
		return nil, err
	}
	trimmed := strings.TrimSpace(string(data))
	if strings.HasPrefix(trimmed, "[") {
		return nil, errors.New("not a dcrconform report: a JSON array (a Ginkgo JSON report?), want an object with schema_version " + SchemaVersion)
	}
	var head struct {
		SchemaVersion *string `json:"schema_version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("not a dcrconform report: %w", err)
	}
	switch {
	case head.SchemaVersion == nil:
		return nil, errors.New("not a dcrconform report: no schema_version (want " + SchemaVersion + ")")
	case *head.SchemaVersion != SchemaVersion && *head.SchemaVersion != schemaV1:
		return nil, fmt.Errorf("unsupported report schema_version %q: this dcrconform reads %s and %s only", *head.SchemaVersion, SchemaVersion, schemaV1)
	}
	var wire struct {
		Run
		Shared map[string]map[string]jwtShared `json:"jwts_shared"` // profile -> role -> shared members
		Specs  []wireSpec                      `json:"specs"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // numbers in decoded JWTs stay as the bank wrote them
	if err := dec.Decode(&wire); err != nil {
		return nil, fmt.Errorf("dcrconform report: %w", err)
	}
	if *head.SchemaVersion == schemaV1 {
		wire.Shared = nil // v1 shares nothing
	}
	r := wire.Run
	if wire.Specs != nil {
		r.Specs = expandSpecs(wire.Specs, wire.Shared)
	}
	r.Summarize()
	return &r, nil
}

// WriteAll writes the JSON, JUnit and HTML reports to whichever paths are non-empty, creating parent
// directories; a path ending in .gz is written gzip-compressed. It writes each file in full or not at all (temporary file, then rename).
func WriteAll(r *Run, jsonPath, junitPath, htmlPath string) error {
	return WriteAllWith(r, jsonPath, junitPath, htmlPath, Options{})
}

// Options shape the JUnit and HTML reports.
type Options struct {
	JUnit JUnitOptions
	HTML  HTMLOptions
}

// WriteAllWith is WriteAll with options.
func WriteAllWith(r *Run, jsonPath, junitPath, htmlPath string, opts Options) error {
	if htmlPath != "" {
		if err := checkHTMLOptions(opts.HTML); err != nil {
			return err
		}
	}
	// Masked once and folded once for all three (each public writer does both on its own).
	redacted := r.redacted()
	var folded *Run
	if jsonPath != "" || htmlPath != "" {
		folded = foldRun(redacted)
	}
	writers := []struct {
		path  string
		write func(io.Writer) error
	}{
		{jsonPath, func(w io.Writer) error { return writeJSONFolded(w, folded, true) }},
		{junitPath, func(w io.Writer) error { return writeJUnitRedacted(w, redacted, opts.JUnit) }},
		{htmlPath, func(w io.Writer) error { return writeHTMLFolded(w, folded, opts.HTML) }},
	}
	var errs []error
	for _, wr := range writers {
		if wr.path == "" {
			continue
		}
		if err := writeFile(wr.path, wr.write); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", wr.path, err))
		}
	}
	return errors.Join(errs...)
}

func writeFile(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // no-op after the rename
	if strings.HasSuffix(path, ".gz") {
		zw := gzip.NewWriter(f)
		if err := errors.Join(write(zw), zw.Close()); err != nil {
			f.Close()
			return err
		}
	} else if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
