package reports

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// RunInfo is one source run of a merged record (Run.Runs).
type RunInfo struct {
	Target      Target    `json:"target"`
	ToolVersion string    `json:"tool_version"`
	StartedAt   time.Time `json:"started_at"`
	DurationMS  float64   `json:"duration_ms"`
	Summary     Summary   `json:"summary"`
	// CatalogueDigest is the source run's (see Run.CatalogueDigest).
	CatalogueDigest string `json:"catalogue_digest,omitempty"`
	// Signature is the source run's signature block as it was; the merged record carries its own.
	Signature *Signature `json:"signature,omitempty"`

	verified bool // the source's signature was verified when merged (report --key)
}

// Verified reports whether the source run's signature was checked, and held, when it was merged.
func (i RunInfo) Verified() bool { return i.verified }

// notSelectedPrefix leads the reason of a spec its run's label filter or focus left out.
const notSelectedPrefix = "not selected by the run's "

// NotSelected reports whether the spec was left out by its run's filter (as opposed to skipped by a reason).
func (s Spec) NotSelected() bool {
	return s.Outcome == OutcomeSkipped && strings.HasPrefix(s.Reason, notSelectedPrefix)
}

// Merge combines runs of several targets or profiles into one record, the matrix target × profile × spec:
// each spec keeps its run's target name (Spec.Target) and Runs lists the sources (with their own
// summaries). Specs a run's filter did not select are left out (the matrix shows them as not run).
// Merged records merge again (their runs are flattened). The same spec of the same target in two inputs
// is an error, so that a repeated input cannot count twice.
func Merge(runs []*Run) (*Run, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("merge: no run")
	}
	out := &Run{SchemaVersion: SchemaVersion, Specs: []Spec{}}
	seen := map[string]int{} // target + "\x00" + spec ID -> input index
	var end time.Time
	var tools, names, profiles, cats []string
	for i, r := range runs {
		infos := r.Runs
		if len(infos) == 0 {
			infos = []RunInfo{{Target: r.Target, ToolVersion: r.ToolVersion, StartedAt: r.StartedAt, DurationMS: r.DurationMS, Summary: r.Summary, CatalogueDigest: r.CatalogueDigest, Signature: r.Signature,
				verified: r.verification != nil && r.verification.OK()}}
		}
		for _, info := range infos {
			out.Runs = append(out.Runs, info)
			tools = appendNew(tools, info.ToolVersion)
			cats = appendNew(cats, info.CatalogueDigest)
			names = appendNew(names, info.Target.Name)
			for _, p := range strings.Split(info.Target.Profile, ",") {
				profiles = appendNew(profiles, strings.TrimSpace(p))
			}
			if out.StartedAt.IsZero() || (!info.StartedAt.IsZero() && info.StartedAt.Before(out.StartedAt)) {
				out.StartedAt = info.StartedAt
			}
			if e := info.StartedAt.Add(time.Duration(info.DurationMS * float64(time.Millisecond))); e.After(end) {
				end = e
			}
		}
		out.Warnings = append(out.Warnings, r.Warnings...) // registrations each run left behind
		out.Findings = append(out.Findings, r.Findings...)
		for _, s := range r.Specs {
			if s.NotSelected() {
				continue
			}
			if s.Target == "" {
				s.Target = r.Target.Name
			}
			key := s.Target + "\x00" + s.ID
			if j, dup := seen[key]; dup {
				return nil, fmt.Errorf("merge: spec %s of target %q is in input %d and input %d: give each run once", s.ID, s.Target, j+1, i+1)
			}
			seen[key] = i
			out.Specs = append(out.Specs, s)
		}
	}
	out.ToolVersion = strings.Join(tools, ", ")
	if len(cats) == 1 { // one catalogue behind every run
		out.CatalogueDigest = cats[0]
	}
	out.Target = Target{Name: strings.Join(names, " + "), Profile: strings.Join(profiles, ",")}
	if !out.StartedAt.IsZero() {
		out.DurationMS = float64(end.Sub(out.StartedAt)) / float64(time.Millisecond)
	}
	out.Summarize()
	return out, nil
}

func appendNew(list []string, v string) []string {
	if v == "" || slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// Merged reports whether the run is a merge of several (Runs is set).
func (r *Run) Merged() bool { return len(r.Runs) > 0 }
