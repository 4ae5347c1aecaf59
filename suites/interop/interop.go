// Package interop runs the rfc7591 profile against real DCR servers that nobody here wrote (go-oidc,
// Ory Hydra, Authlib), each started by its test on loopback and pointed at by a config file like a
// user's. Each server has a checked-in list of its known deviations (testdata/deviations/NAME.yaml):
// a test fails when a spec fails that is not listed, when a listed spec passes, or when the answer
// seen is not the one listed as evidence. The README's Interoperability tables are generated here.
//
// Each server's test is a package of its own (gooidc/, hydra/, authlib/) because Ginkgo runs one
// suite per process.
package interop

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2"
	"sigs.k8s.io/yaml"

	"github.com/dcrconform/dcrconform/fixtures/requirements"
	"github.com/dcrconform/dcrconform/harness/config"
	"github.com/dcrconform/dcrconform/reports"
	"github.com/dcrconform/dcrconform/suites"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// Profile is the profile every real server is run through, whole.
const Profile = "rfc7591"

// Server is a real server under test.
type Server struct {
	Key     string // file and README marker name: gooidc, hydra, authlib
	Name    string // e.g. "Ory Hydra"
	Version string // e.g. "v2.3.0"
	Setup   string // how the test runs it, one line for the README

	// HarnessBugs are specs whose verdict against this server is a harness bug under repair, with the
	// reason: neither checked nor counted, and named in the README. Not a deviation list: the spec is
	// what is wrong, and the entry goes when its fix lands.
	HarnessBugs map[string]string
}

// Deviation is a spec the server is known to fail: the clause it breaks and the answer that shows it.
// The clause is the register ID of a MUST (a SHOULD breach is a warning, never a deviation) that the
// failing check enforces.
type Deviation struct {
	Clause string `json:"clause"` // register ID of the MUST broken, e.g. RFC6750-3
	What   string `json:"what"`   // what the server does instead
	Status int    `json:"status"` // status of the answer the spec failed on
	Body   string `json:"body"`   // an excerpt that answer's body contains, white space aside ("" checks none)
}

// Deviations is a server's checked-in list, by spec ID.
type Deviations map[string]Deviation

// LoadDeviations reads testdata/deviations/KEY.yaml (relative to this package's folder).
func LoadDeviations(dir, key string) (Deviations, error) {
	path := filepath.Join(dir, "testdata", "deviations", key+".yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d Deviations
	if err := yaml.UnmarshalStrict(data, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for id, dev := range d {
		if _, ok := framework.Lookup(id); !ok {
			return nil, fmt.Errorf("%s: %s is not a scenario ID", path, id)
		}
		if dev.Clause == "" || dev.What == "" || dev.Status == 0 {
			return nil, fmt.Errorf("%s: %s needs a clause, what the server does and the status seen", path, id)
		}
		if err := citesMust(dev.Clause); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, id, err)
		}
	}
	return d, nil
}

// citesMust checks that a deviation's clause is a MUST of the register.
func citesMust(clause string) error {
	register, err := requirements.Load()
	if err != nil {
		return err
	}
	q, ok := register.Lookup(clause)
	switch {
	case !ok:
		return fmt.Errorf("clause %s is not a register ID (fixtures/requirements)", clause)
	case q.Class() != requirements.ClassMust:
		return fmt.Errorf("clause %s is a %s: its breach is a warning, not a deviation", clause, q.Level)
	}
	return nil
}

var citedID = regexp.MustCompile(`\(([A-Z][A-Z0-9]*(?:-[A-Z0-9.]+)+)\)`)

// enforced are the register IDs the failing checks of a spec enforce: those its failure's "expected:"
// lines cite, or, where they cite none, the requirements the spec names.
func enforced(s reports.Spec) []string {
	var ids []string
	for _, line := range strings.Split(s.Reason, "\n") {
		if !strings.HasPrefix(line, "expected:") {
			continue
		}
		for _, m := range citedID.FindAllStringSubmatch(line, -1) {
			if !slices.Contains(ids, m[1]) {
				ids = append(ids, m[1])
			}
		}
	}
	if len(ids) == 0 {
		ids = requirements.SplitIDs(s.Requirement)
	}
	return ids
}

// Run points the harness at a server with the config file given (YAML, as a user would write it),
// runs the whole rfc7591 profile, and returns that profile's specs as the JSON report has them.
func Run(t *testing.T, configYAML string) *reports.Run {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(configYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	tgt, err := cfg.BuildTarget(nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	if tgt.Timeout == 0 {
		tgt.Timeout = 10 * time.Second
	}
	cat := suites.ReportCatalogue()
	var run *reports.Run
	after := func(r ginkgo.Report) {
		run = reports.FromGinkgo(r, reports.Meta{TargetName: tgt.Name, Profile: tgt.Profile, Catalogue: cat})
	}
	if _, err := suites.Run(&suites.T{}, tgt, suites.Options{LabelFilter: Profile, NoColor: true, Verbose: testing.Verbose(), AfterSuite: after}); err != nil {
		t.Fatal(err)
	}
	if run == nil {
		t.Fatal("the run produced no report")
	}
	specs := run.Specs[:0]
	for _, s := range run.Specs {
		if s.Profile == Profile {
			specs = append(specs, s)
		}
	}
	run.Specs = specs
	run.Summarize()
	return run
}

// Example is fixtures/examples/NAME.yaml with its base URL (e.g. http://127.0.0.1:4444) replaced by
// the running server's: the example a user starts from is the config the test runs.
func Example(t *testing.T, name, exampleBase, base string) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "fixtures", "examples", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), exampleBase) {
		t.Fatalf("fixtures/examples/%s.yaml does not mention %s", name, exampleBase)
	}
	return strings.ReplaceAll(string(data), exampleBase, base)
}

var responseLine = regexp.MustCompile(`(?m)^response: (\d{3}) (.*)$`)

// seen is the status and body excerpt of the answer a failed spec names in its failure message.
func seen(s reports.Spec) (int, string) {
	m := responseLine.FindStringSubmatch(s.Reason)
	if m == nil {
		return 0, ""
	}
	status, _ := strconv.Atoi(m[1])
	body := m[2]
	if body == "(empty body)" {
		body = ""
	}
	return status, body
}

// RunAndCheck is a server's interop test, from a package beside this one: it runs the rfc7591 profile
// with configYAML, fails t with every Problem against the server's deviation list, and keeps the
// server's README section current (SyncREADME).
func RunAndCheck(t *testing.T, srv Server, configYAML string) {
	t.Helper()
	devs, err := LoadDeviations("..", srv.Key)
	if err != nil {
		t.Fatal(err)
	}
	run := Run(t, configYAML)
	Check(t, srv, run, devs)
	SyncREADME(t, srv.Key, Table(srv, run, devs))
}

// Check fails t with every Problem of the run.
func Check(t *testing.T, srv Server, run *reports.Run, devs Deviations) {
	t.Helper()
	for _, p := range Problems(srv, run, devs) {
		t.Error(p)
	}
	t.Logf("%s %s: %d passed, %d warned, %d failed, %d skipped", srv.Name, srv.Version, run.Summary.Passed, run.Summary.Warned, run.Summary.Failed, run.Summary.Skipped)
}

// squeeze drops white space, so that an excerpt matches a body however the server spaces its JSON.
func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

// Problems compares a run with the server's deviations: every spec of the profile must have run and
// passed, except the listed ones, which must fail on the answer listed.
func Problems(srv Server, run *reports.Run, devs Deviations) []string {
	var out []string
	problem := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	total := 0
	for _, s := range framework.Catalogue() {
		if s.Profile == Profile {
			total++
		}
	}
	if len(run.Specs) != total {
		problem("%s: the report has %d %s specs, the catalogue %d", srv.Name, len(run.Specs), Profile, total)
	}
	for _, s := range run.Specs {
		if _, bug := srv.HarnessBugs[s.ID]; bug {
			continue
		}
		dev, listed := devs[s.ID]
		switch {
		case s.Failed() && !listed:
			problem("%s failed against %s and is not a known deviation (a regression of the harness or of the server, or a harness bug if the RFCs allow the answer):\n%s", s.ID, srv.Name, s.Reason)
		case s.Failed():
			if status, body := seen(s); status != dev.Status || !strings.Contains(squeeze(body), squeeze(dev.Body)) {
				problem("%s failed against %s, but not on the answer listed (status %d, body containing %q): the failure was\n%s", s.ID, srv.Name, dev.Status, dev.Body, s.Reason)
			}
			if ids := enforced(s); !slices.Contains(ids, dev.Clause) {
				problem("%s is listed as breaking %s, which its failing checks do not enforce (they enforce %s): the failure was\n%s", s.ID, dev.Clause, strings.Join(ids, ", "), s.Reason)
			}
		case listed && s.Outcome == reports.OutcomePassed:
			problem("%s passed against %s, but is listed as a deviation (%s: %s): drop it from testdata/deviations/%s.yaml", s.ID, srv.Name, dev.Clause, dev.What, srv.Key)
		case listed:
			problem("%s is listed as a deviation of %s but was %s: %s", s.ID, srv.Name, s.Outcome, s.Reason)
		}
	}
	for id := range devs {
		if !slices.ContainsFunc(run.Specs, func(s reports.Spec) bool { return s.ID == id }) {
			problem("%s is listed as a deviation of %s but is not in the run", id, srv.Name)
		}
	}
	sort.Strings(out)
	return out
}

// Table is the server's README section: version, counts, each deviation with its clause, and the
// specs skipped with their reasons.
func Table(srv Server, run *reports.Run, devs Deviations) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s %s\n\n%s\n\n", srv.Name, srv.Version, srv.Setup)
	counted := &reports.Run{}
	for _, s := range run.Specs {
		if _, bug := srv.HarnessBugs[s.ID]; !bug {
			counted.Specs = append(counted.Specs, s)
		}
	}
	counted.Summarize()
	fmt.Fprintf(&b, "| specs | passed | warned | failed | skipped |\n|---|---|---|---|---|\n| %d | %d | %d | %d | %d |\n\n",
		counted.Summary.Total, counted.Summary.Passed, counted.Summary.Warned, counted.Summary.Failed, counted.Summary.Skipped)
	ids := make([]string, 0, len(devs))
	for id := range devs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) > 0 {
		b.WriteString("| deviation | MUST broken | what the server does | answer seen |\n|---|---|---|---|\n")
		for _, id := range ids {
			d := devs[id]
			answer := strconv.Itoa(d.Status)
			if d.Body != "" {
				answer += " `" + strings.ReplaceAll(d.Body, "|", `\|`) + "`"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", id, d.Clause, cell(d.What), answer)
		}
		b.WriteString("\n")
	}
	var warned []string
	for _, s := range counted.Specs {
		for _, w := range s.Warnings {
			warned = append(warned, fmt.Sprintf("%s (%s, %s: %s)", s.ID, w.Requirement, w.Level, cell(w.Actual)))
		}
	}
	sort.Strings(warned)
	if len(warned) > 0 {
		fmt.Fprintf(&b, "Passed with a warning, a SHOULD or MAY not met (not a deviation): %s.\n\n", strings.Join(warned, "; "))
	}
	if len(run.Warnings) > 0 {
		ids := make([]string, 0, len(run.Warnings))
		for _, w := range run.Warnings {
			ids = append(ids, w.SpecID)
		}
		sort.Strings(ids)
		fmt.Fprintf(&b, "Left on the server, which the run's cleanup could not delete: the registrations of %s.\n\n", strings.Join(ids, ", "))
	}
	if len(srv.HarnessBugs) > 0 {
		bugs := make([]string, 0, len(srv.HarnessBugs))
		for id, why := range srv.HarnessBugs {
			bugs = append(bugs, id+" ("+cell(why)+")")
		}
		sort.Strings(bugs)
		fmt.Fprintf(&b, "Not counted, a harness bug under repair: %s.\n\n", strings.Join(bugs, "; "))
	}
	var skipped []reports.Spec
	for _, s := range counted.Specs {
		if s.Skipped() {
			skipped = append(skipped, s)
		}
	}
	sort.Slice(skipped, func(i, j int) bool { return skipped[i].ID < skipped[j].ID }) // the run's order is the seed's
	if len(skipped) > 0 {
		b.WriteString("Skipped: ")
		for i, s := range skipped {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s (%s)", s.ID, cell(s.Reason))
		}
		b.WriteString(".\n\n")
	}
	return b.String()
}

func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}
