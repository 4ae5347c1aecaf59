package suites_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	env, err := embedded.Start(embedded.Options{Defects: defects, KeySource: testKeys(t).Key})
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
	if _, err := suites.Run(t, env.Target, suites.Options{Verbose: testing.Verbose(), NoColor: true}); err != nil {
		t.Fatal(err)
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
