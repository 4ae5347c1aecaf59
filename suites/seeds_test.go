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
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/reports"
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
	bin, poolPath := childBinary(t)
	dir := t.TempDir()            // the runs' reports
	orders := map[string]bool{}   // the orders the seeds gave the specs (of the first defect's runs)
	orderOf := map[int64]string{} // each seed's order, which the second defect's runs must replay
	for n, defect := range stateDefects {
		var first suites.Results
		var firstSeed int64
		for seed := int64(1); seed <= 10; seed++ {
			order := ""
			if n < 2 {
				order = filepath.Join(dir, fmt.Sprintf("order-%d.json", seed))
			}
			got, err := runSeed(bin, poolPath, defect, seed, filepath.Join(dir, fmt.Sprintf("%s-%d.json", defect, seed)), order)
			if err != nil {
				t.Fatalf("defect %s, seed %d: %v", defect, seed, err)
			}
			if n == 0 {
				orderOf[seed] = specOrder(t, order)
				orders[orderOf[seed]] = true
			}
			if n == 1 && specOrder(t, order) != orderOf[seed] {
				t.Errorf("--seed %d did not replay the order of an earlier run with it", seed)
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
	if len(orders) < 2 {
		t.Errorf("the 10 seeds ran the specs in %d order(s): the test proves nothing about order", len(orders))
	}
}

// specOrder is the order in which a run's UK specs ran, from its Ginkgo JSON report.
func specOrder(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var reps []types.Report
	if err := json.Unmarshal(data, &reps); err != nil || len(reps) != 1 {
		t.Fatalf("%s: %v", path, err)
	}
	var ids []string
	for _, sr := range reps[0].SpecReports {
		if id, _, ok := reports.SplitSpecText(sr.LeafNodeText); ok && strings.HasPrefix(id, "UK-") {
			ids = append(ids, id)
		}
	}
	return strings.Join(ids, ",")
}

// runSeed runs the uk profile against the embedded bank with defect on, ordered by seed, and reads
// the results it writes; order, if not empty, receives the Ginkgo JSON report (in run order).
func runSeed(bin, poolPath, defect string, seed int64, results, order string) (suites.Results, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := []string{"run", "--profile", "uk", "--defect", defect, "--seed", strconv.FormatInt(seed, 10),
		"--key-pool", poolPath, "--results", results, "--junit", "", "-v=false", "--no-color"}
	if order != "" {
		args = append(args, "--ginkgo-json", order)
	}
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
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
