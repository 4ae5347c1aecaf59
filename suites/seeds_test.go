package suites_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/suites"
)

// stateDefects are reference bank defects whose effect depends on what the bank saw before: a
// registration of the same software (made, or made and deleted), or a jti used before.
var stateDefects = []string{"allow-duplicate-registration", "ssa-from-earlier-registration", "allow-jti-replay"}

// TestVerdictsDoNotDependOnOrder runs the UK suite under ten seeds (each orders the spec groups
// differently) against each defect that depends on state, and requires the same verdicts under every
// seed: which spec happens to run first (and so runs the positive control) must not change what fails.
func TestVerdictsDoNotDependOnOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	dir := t.TempDir()
	bin := buildDcrconform(t, dir)
	poolPath := filepath.Join(dir, "pool.pem")
	if err := testKeys(t).Save(poolPath); err != nil {
		t.Fatal(err)
	}
	for _, defect := range stateDefects {
		var first suites.Results
		var firstSeed int64
		for seed := int64(1); seed <= 10; seed++ {
			got, err := runSeed(bin, poolPath, defect, seed, filepath.Join(dir, fmt.Sprintf("%s-%d.json", defect, seed)))
			if err != nil {
				t.Fatalf("defect %s, seed %d: %v", defect, seed, err)
			}
			if seed == 1 {
				first, firstSeed = got, seed
				continue
			}
			if a, b := verdicts(first), verdicts(got); a != b {
				t.Errorf("defect %s: seed %d gave %s, seed %d gave %s", defect, firstSeed, a, seed, b)
			}
		}
		t.Logf("defect %s: %s under seeds 1 to 10", defect, verdicts(first))
	}
}

// runSeed runs the uk profile against the embedded bank with defect on, ordered by seed, and reads
// the results it writes.
func runSeed(bin, poolPath, defect string, seed int64, results string) (suites.Results, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "run", "--profile", "uk", "--defect", defect, "--seed", strconv.FormatInt(seed, 10),
		"--key-pool", poolPath, "--results", results, "--junit", "", "-v=false", "--no-color").CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return suites.Results{}, fmt.Errorf("%v\n%s", err, lastLines(string(out), 20))
	}
	var r suites.Results
	data, err := os.ReadFile(results)
	if err == nil {
		err = json.Unmarshal(data, &r)
	}
	return r, err
}

func verdicts(r suites.Results) string {
	return fmt.Sprintf("%d ran, failed %v, warned %v", r.Ran, r.Failed, r.Warned)
}
