package suites_test

import (
	"context"
	"fmt"
	"github.com/dcrconform/dcrconform/reports"
	"github.com/onsi/ginkgo/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/embedded"
	"github.com/dcrconform/dcrconform/harness/keypool"
	"github.com/dcrconform/dcrconform/suites"
)

// Environment of a child process that runs the suite against a defective bank.
const (
	envDefects = "DCRCONFORM_TEST_DEFECTS"
	envReport  = "DCRCONFORM_TEST_REPORT"
	envKeyPool = "DCRCONFORM_TEST_KEYPOOL"
)

// testKeys returns the key pool a parent test saved for its children, or a new one.
func testKeys(t *testing.T) *keypool.Pool {
	if path := os.Getenv(envKeyPool); path != "" {
		p, err := keypool.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p, err := keypool.New(16)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConformance runs every spec against the embedded reference bank: all must pass. In a child
// process started by TestDefectsAreCaught it runs against a defective bank and only writes its report.
func TestConformance(t *testing.T) {
	var defects []string
	if d := os.Getenv(envDefects); d != "" {
		defects = strings.Split(d, ",")
	}
	keys := testKeys(t)
	env, err := embedded.Start(embedded.Options{Defects: defects, KeySource: keys.Key})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	if report := os.Getenv(envReport); report != "" {
		if _, err := suites.Run(&suites.T{}, env.Target, suites.Options{JSONPath: report, NoColor: true}); err != nil {
			t.Fatal(err)
		}
		return
	}
	out := t.TempDir()
	var reportErr error
	writeReports := func(r ginkgo.Report) {
		run := reports.FromGinkgo(r, reports.Meta{TargetName: env.Target.Name})
		reportErr = reports.WriteAll(run, filepath.Join(out, "run.json"), filepath.Join(out, "junit.xml"), filepath.Join(out, "run.html"))
	}
	if _, err := suites.Run(t, env.Target, suites.Options{Verbose: testing.Verbose(), NoColor: true, AfterSuite: writeReports}); err != nil {
		t.Fatal(err)
	}
	if reportErr != nil {
		t.Fatal(reportErr)
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
// catch it to fail: this is what makes a negative spec count.
func TestDefectsAreCaught(t *testing.T) {
	if os.Getenv(envReport) != "" {
		t.Skip("child process")
	}
	poolPath := filepath.Join(t.TempDir(), "pool.pem")
	if err := testKeys(t).Save(poolPath); err != nil {
		t.Fatal(err)
	}
	run := func(ctx context.Context, defect, report string) error {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run", "^TestConformance$")
		cmd.Env = append(os.Environ(), envDefects+"="+defect, envReport+"="+report, envKeyPool+"="+poolPath)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%w: %s", err, tail(out, 2000))
		}
		return nil
	}
	for _, r := range suites.SelfTest(context.Background(), suites.DefectCatches, run, 2) {
		switch {
		case r.Err != nil:
			t.Errorf("defect %s: the run broke: %v", r.Defect, r.Err)
		case !r.Caught():
			t.Errorf("defect %s: expected %v to fail; failed: %v; not caught by: %v", r.Defect, r.Expected, r.Failed, r.Missing)
		default:
			t.Logf("defect %-30s caught by %v (%d specs ran, %s)", r.Defect, r.Failed, r.Ran, r.Duration.Round(time.Millisecond))
		}
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
