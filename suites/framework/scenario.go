// Package framework is what every conformance spec is built on: the scenario declaration that stamps a
// spec with its ID, requirement and labels, the catalogue derived from those declarations, and the
// per-spec Framework object that talks to the target and records every exchange.
package framework

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"sync"

	"github.com/onsi/ginkgo/v2"

	"github.com/dcrconform/dcrconform/fixtures/requirements"
)

// Kinds of scenario.
const (
	Positive = "positive"
	Negative = "negative"
)

// Scenario declares one conformance spec. The catalogue and the reports are derived from it.
type Scenario struct {
	ID          string   `json:"id"`          // stable, e.g. UK-REG-N01
	Title       string   `json:"title"`       // what is checked, in a sentence
	Requirement string   `json:"requirement"` // register IDs (fixtures/requirements), comma-separated
	Profile     string   `json:"profile"`     // uk, cdr, ...
	Operation   string   `json:"operation"`   // discovery, register, token, read, update, delete
	Kind        string   `json:"kind"`        // positive or negative
	Expect      string   `json:"expect"`      // the expected outcome, e.g. "400 invalid_software_statement"
	Labels      []string `json:"labels,omitempty"`
}

// AllLabels are the Ginkgo labels of the spec: profile, operation, kind, ID and any extras.
func (s Scenario) AllLabels() []string {
	return append([]string{s.Profile, s.Operation, s.Kind, s.ID}, s.Labels...)
}

// Requirements are the register IDs the spec checks.
func (s Scenario) Requirements() []string { return requirements.SplitIDs(s.Requirement) }

// SpecText is the Ginkgo spec text: "[ID] title".
func (s Scenario) SpecText() string { return "[" + s.ID + "] " + s.Title }

var idPattern = regexp.MustCompile(`^[A-Z]+(-[A-Z0-9]+)+$`)

func (s Scenario) validate() error {
	switch {
	case !idPattern.MatchString(s.ID):
		return fmt.Errorf("scenario ID %q is not of the form PROFILE-OP-NNN", s.ID)
	case s.Title == "", s.Requirement == "", s.Profile == "", s.Operation == "", s.Expect == "":
		return fmt.Errorf("scenario %s: title, requirement, profile, operation and expect are all required", s.ID)
	case s.Kind != Positive && s.Kind != Negative:
		return fmt.Errorf("scenario %s: kind %q is neither positive nor negative", s.ID, s.Kind)
	}
	return nil
}

// FAPILabel marks a spec whose every requirement only FAPI demands, so a non-FAPI bank can leave it
// out with a label filter ('!fapi').
const FAPILabel = "fapi"

// withRegisterLabels adds the fapi label when every requirement the scenario names carries it in the
// register.
func (s Scenario) withRegisterLabels() Scenario {
	reqs := s.Requirements()
	if len(reqs) == 0 || slices.Contains(s.Labels, FAPILabel) {
		return s
	}
	register, err := requirements.Load()
	if err != nil {
		return s
	}
	for _, id := range reqs {
		q, ok := register.Lookup(id)
		if !ok || !slices.Contains(q.Labels, FAPILabel) {
			return s
		}
	}
	s.Labels = append(slices.Clone(s.Labels), FAPILabel)
	return s
}

type registry struct {
	mu         sync.Mutex
	groups     []group
	scenarios  map[string]Scenario
	collecting bool
}

type group struct {
	text string
	body func()
}

var reg = &registry{scenarios: map[string]Scenario{}}

// Describe registers a group of conformance specs with Ginkgo and keeps the body, so the catalogue can
// be listed without running anything. The body should hold only ConformanceIt calls.
func Describe(text string, body func()) bool {
	reg.mu.Lock()
	reg.groups = append(reg.groups, group{text, body})
	reg.mu.Unlock()
	return ginkgo.Describe(text, body)
}

// ConformanceIt declares a spec: it records the scenario in the catalogue and registers a Ginkgo spec
// labelled with its profile, operation, kind and ID, whose body gets a fresh Framework.
func ConformanceIt(s Scenario, body func(f *Framework)) {
	if err := s.validate(); err != nil {
		panic(err)
	}
	s = s.withRegisterLabels()
	reg.mu.Lock()
	if prev, dup := reg.scenarios[s.ID]; dup && prev.Title != s.Title {
		reg.mu.Unlock()
		panic(fmt.Sprintf("scenario ID %s declared twice: %q and %q", s.ID, prev.Title, s.Title))
	}
	reg.scenarios[s.ID] = s
	collecting := reg.collecting
	reg.mu.Unlock()
	if collecting {
		return
	}
	ginkgo.It(s.SpecText(), ginkgo.Label(s.AllLabels()...), ginkgo.Offset(1), func(ctx ginkgo.SpecContext) {
		f := newFramework(ctx, s)
		ginkgo.DeferCleanup(f.finish)
		f.applies()
		if msg := brk.stopped(); msg != "" {
			ginkgo.Fail(f.failure([]mismatch{{expected: "the spec to run", actual: msg}}), 1)
		}
		if s.Kind == Negative && s.Operation == "register" {
			f.RequireBaselineRegisters()
		}
		body(f)
	})
}

var collectOnce sync.Once

// collect runs every group body once in collecting mode, so that every ConformanceIt has recorded its
// scenario. Groups are all declared at package initialisation, before any caller gets here.
func collect() {
	collectOnce.Do(func() {
		reg.mu.Lock()
		groups := append([]group(nil), reg.groups...)
		reg.collecting = true
		reg.mu.Unlock()
		for _, g := range groups {
			g.body()
		}
		reg.mu.Lock()
		reg.collecting = false
		reg.mu.Unlock()
	})
}

// Catalogue returns every declared scenario, sorted by ID, without running any spec.
func Catalogue() []Scenario {
	collect()
	reg.mu.Lock()
	out := make([]Scenario, 0, len(reg.scenarios))
	for _, s := range reg.scenarios {
		out = append(out, s)
	}
	reg.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Lookup returns the scenario with the given ID from the catalogue.
func Lookup(id string) (Scenario, bool) {
	collect()
	reg.mu.Lock()
	defer reg.mu.Unlock()
	s, ok := reg.scenarios[id]
	return s, ok
}
