package suites_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/embedded"
	"github.com/dcrconform/dcrconform/harness/keypool"
	"github.com/dcrconform/dcrconform/reports"
	"github.com/dcrconform/dcrconform/suites"
)

func testKeys(t *testing.T) *keypool.Pool {
	p, err := keypool.New(16)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConformance runs every spec against the embedded reference bank: all must pass, none with a
// warning (the correct bank meets every SHOULD and makes every MAY choice the specs expect), and the
// reports of the run must hold none of its secrets.
func TestConformance(t *testing.T) {
	keys := testKeys(t)
	env, err := embedded.Start(embedded.Options{KeySource: keys.Key})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	out := t.TempDir()
	var reportErr error
	var warned []string
	writeReports := func(r ginkgo.Report) {
		run := reports.FromGinkgo(r, reports.Meta{TargetName: env.Target.Name})
		for _, s := range run.Specs {
			if s.Outcome == reports.OutcomeWarning {
				warned = append(warned, s.ID)
			}
		}
		reportErr = reports.WriteAll(run, filepath.Join(out, "run.json"), filepath.Join(out, "junit.xml"), filepath.Join(out, "run.html"))
	}
	if _, err := suites.Run(t, env.Target, suites.Options{Verbose: testing.Verbose(), NoColor: true, AfterSuite: writeReports}); err != nil {
		t.Fatal(err)
	}
	if reportErr != nil {
		t.Fatal(reportErr)
	}
	if len(warned) > 0 {
		t.Errorf("specs passed with a warning against the correct bank: %v", warned)
	}
	if live := env.Bank.Bank.LiveClients(); len(live) > 0 {
		t.Errorf("the run left %d registrations on the reference bank (cleanup failed): %v", len(live), live)
	}
	expectNoSecrets(t, out, env.Bank.Bank.IssuedTokens(), keys)
}

// Shapes of secrets that must never reach a report: a JWT with its signature, a bearer credential,
// a private JWK member.
var secretShapes = map[string]*regexp.Regexp{
	"signed JWT":  regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16,}`),
	"bearer":      regexp.MustCompile(`Bearer [A-Za-z0-9._~+/-]{16,}`),
	"private JWK": regexp.MustCompile(`"(d|p|q|dp|dq|qi)"\s*:\s*"[A-Za-z0-9_-]{16,}"`),
}

// expectNoSecrets proves that no access token the bank issued, no private key of the run and no
// secret-shaped string appears in any file the run wrote.
func expectNoSecrets(t *testing.T, dir string, tokens []string, keys *keypool.Pool) {
	t.Helper()
	if len(tokens) < 50 {
		t.Fatalf("the run issued only %d access tokens: the redaction check would prove little", len(tokens))
	}
	secrets := append([]string(nil), tokens...)
	secrets = append(secrets, keys.PrivateMaterial()...)
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) != 3 {
		t.Fatalf("report files = %v, %v", files, err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		for _, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains a secret of the run (%.8s…)", filepath.Base(file), secret)
			}
		}
		for shape, re := range secretShapes {
			for _, m := range re.FindAllString(text, -1) {
				if !strings.Contains(m, "REDACTED_") {
					t.Errorf("%s contains a %s: %.40s…", filepath.Base(file), shape, m)
					break
				}
			}
		}
	}
}

// TestDefectsAreCaught switches on each catalogued defect in turn and requires the specs expected to
// catch it to fail, and no other spec to fail without naming a requirement the defect breaks (one
// deviation, one failure): this is what makes a negative spec count. Each defect runs in a child process of a
// dcrconform binary built here without the race detector (the in-process conformance run above has it).
func TestDefectsAreCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	bin, poolPath := childBinary(t)
	start := time.Now()
	results := suites.SelfTest(context.Background(), suites.DefectCatches, suites.CommandRunner(bin, poolPath, 3*time.Minute), 2)
	for _, r := range results {
		switch {
		case r.Err != nil:
			t.Errorf("defect %s: the run broke: %v", r.Defect, r.Err)
		case !r.Caught():
			t.Errorf("defect %s: expected %v to fail and %v to warn; failed: %v; warned: %v; not caught by: %v %v", r.Defect, r.Expected, r.ExpectedWarnings, r.Failed, r.Warned, r.Missing, r.MissingWarnings)
		case len(r.Collateral) > 0:
			t.Errorf("defect %s: collateral failures %v: they name none of the requirements it breaks %v", r.Defect, r.Collateral, suites.DefectRequirements(r.Defect, r.Expected))
		case slices.Contains(cascadeDefects, r.Defect) && !sameIDs(r.Failed, r.Expected):
			t.Errorf("defect %s: failed %v, want exactly its own specs %v (a set-up step judged it too)", r.Defect, r.Failed, r.Expected)
		default:
			t.Logf("defect %-36s caught by %v, warned by %v (%d specs ran, %s)", r.Defect, r.Failed, r.Warned, r.Ran, r.Duration.Round(time.Millisecond))
		}
	}
	t.Logf("%d defects in %s", len(results), time.Since(start).Round(time.Second))
}

// cascadeDefects are deviations every spec's set-up meets (a registration, a delete answered 200): each
// must fail exactly the specs that own the status, not every spec that registers or deletes first.
var cascadeDefects = []string{"status-200-on-register", "delete-returns-200"}

func sameIDs(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// childBinary builds the dcrconform binary the child runs use, and saves the test's RSA keys beside it
// as the pool those runs reuse.
func childBinary(t *testing.T) (bin, poolPath string) {
	t.Helper()
	dir := t.TempDir()
	bin = buildDcrconform(t, dir)
	poolPath = filepath.Join(dir, "pool.pem")
	if err := testKeys(t).Save(poolPath); err != nil {
		t.Fatal(err)
	}
	return bin, poolPath
}

// buildDcrconform builds the dcrconform binary (without the race detector) into dir.
func buildDcrconform(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "dcrconform")
	build := exec.Command("go", "build", "-o", bin, "../cmd/dcrconform")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building dcrconform: %v\n%s", err, out)
	}
	return bin
}

// TestUKVersions runs the uk specs against the reference bank at UK OBIE DCR 3.1, 3.2 and 3.4 (3.3, the
// default, is TestConformance's): every one must pass.
func TestUKVersions(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	bin, poolPath := childBinary(t)
	for _, v := range []string{"3.1", "3.2", "3.4"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		out, err := exec.CommandContext(ctx, bin, "run", "--profile", "uk", "--uk-version", v, "--key-pool", poolPath,
			"--junit", "", "-v=false", "--no-color").CombinedOutput()
		cancel()
		if err != nil {
			t.Errorf("UK DCR %s: %v\n%s", v, err, lastLines(string(out), 30))
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestEveryBankDefectIsCatalogued keeps suites.DefectCatches in step with the reference bank.
func TestEveryBankDefectIsCatalogued(t *testing.T) {
	for _, d := range bank.Defects() {
		if suites.LoadOnlyDefects[d.Name] != "" {
			continue
		}
		if _, ok := suites.DefectCatches[d.Name]; !ok || len(suites.DefectCatches[d.Name])+len(suites.DefectWarns[d.Name]) == 0 {
			t.Errorf("bank defect %s names no spec expected to catch it in suites.DefectCatches (or to warn of it in DefectWarns)", d.Name)
		}
	}
	for name := range suites.DefectWarns {
		if _, ok := suites.DefectCatches[name]; !ok {
			t.Errorf("suites.DefectWarns names %s, which suites.DefectCatches does not list", name)
		}
	}
	for name := range suites.LoadOnlyDefects {
		if len(suites.DefectCatches[name]) > 0 {
			t.Errorf("defect %s is both caught by specs and load-only", name)
		}
	}
	for name := range suites.DefectCatches {
		if !slices.ContainsFunc(bank.Defects(), func(d bank.Defect) bool { return d.Name == name }) {
			t.Errorf("suites.DefectCatches names %s, which the bank does not have", name)
		}
	}
}
