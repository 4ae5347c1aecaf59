package variants_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/suites"
)

// profileChoices are the choices every profile runs against: all of them. Their full product is some
// 100000 banks, so the test runs a covering set in which every pair of values of two choices meets at
// least once.
func profileChoices() []string {
	names := make([]string, 0, len(bank.ChoiceValues()))
	for n := range bank.ChoiceValues() {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// pairwise builds combinations of the named choices until every pair of values of two choices is in
// one of them: each new combination takes, choice by choice, the value that meets the most pairs not
// yet covered with the values already taken (ties: the first value). Each combination is NAME=VALUE
// settings in the order of names.
func pairwise(names []string) [][]string {
	values := bank.ChoiceValues()
	type pair struct{ a, b string }
	uncovered := map[pair]bool{}
	for i, n := range names {
		for _, m := range names[i+1:] {
			for _, v := range values[n] {
				for _, w := range values[m] {
					uncovered[pair{n + "=" + v, m + "=" + w}] = true
				}
			}
		}
	}
	var out [][]string
	for len(uncovered) > 0 {
		// Start from a pair still uncovered, so that every combination covers at least one.
		var seed pair
		for p := range uncovered {
			if seed == (pair{}) || p.a+p.b < seed.a+seed.b {
				seed = p
			}
		}
		combo := make([]string, 0, len(names))
		for _, n := range names {
			best, bestGain := "", -1
			for _, v := range values[n] {
				setting := n + "=" + v
				if pre, _, _ := strings.Cut(seed.a, "="); pre == n && setting != seed.a {
					continue
				}
				if pre, _, _ := strings.Cut(seed.b, "="); pre == n && setting != seed.b {
					continue
				}
				gain := 0
				for _, taken := range combo {
					if uncovered[pair{taken, setting}] {
						gain++
					}
				}
				if gain > bestGain {
					best, bestGain = setting, gain
				}
			}
			combo = append(combo, best)
		}
		for i := range combo {
			for j := i + 1; j < len(combo); j++ {
				delete(uncovered, pair{combo[i], combo[j]})
			}
		}
		out = append(out, combo)
	}
	return out
}

func TestPairwiseCoversEveryPairOfValues(t *testing.T) {
	names := profileChoices()
	combos := pairwise(names)
	values := bank.ChoiceValues()
	for i, n := range names {
		if len(values[n]) < 2 {
			t.Fatalf("choice %s has values %v: is it in the catalogue?", n, values[n])
		}
		for _, m := range names[i+1:] {
			for _, v := range values[n] {
				for _, w := range values[m] {
					if !slices.ContainsFunc(combos, func(c []string) bool {
						return slices.Contains(c, n+"="+v) && slices.Contains(c, m+"="+w)
					}) {
						t.Errorf("no combination has %s=%s with %s=%s", n, v, m, w)
					}
				}
			}
		}
	}
	if len(combos) > 20 {
		t.Errorf("%d combinations: the greedy cover grew", len(combos))
	}
	t.Logf("%d combinations cover every pair of values of %d choices", len(combos), len(names))
}

// TestEveryProfilePassesEveryPairOfLegalChoices runs every profile against the reference bank in each
// combination of the pairwise cover of every choice: each is a correct bank, so no spec may fail.
func TestEveryProfilePassesEveryPairOfLegalChoices(t *testing.T) {
	bin, pool := selfTestBinary(t)
	combos := pairwise(profileChoices())
	dir := t.TempDir()
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, combo := range combos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			failed, out, err := runWithChoices(bin, pool, filepath.Join(dir, fmt.Sprintf("%02d.json", i)), combo, nil)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && failed == nil:
				t.Errorf("%v: %v\n%s", combo, err, lastLines(out, 20))
			case len(failed) > 0 || err != nil:
				t.Errorf("%v: a legal bank failed %v (%v)\n%s", combo, failed, err, lastLines(out, 30))
			}
		}()
	}
	wg.Wait()
	t.Logf("%d combinations of %v", len(combos), profileChoices())
}

// runWithChoices runs the selected specs (every spec when focus is empty) against the embedded bank
// with the given choices, and returns the IDs of the specs that failed (nil when no report was written).
func runWithChoices(bin, pool, report string, choices, focus []string) (failed []string, out string, err error) {
	args := []string{"run", "--key-pool", pool, "--results", report, "--junit", "", "-v=false", "--no-color"}
	for _, c := range choices {
		args = append(args, "--bank-choice", c)
	}
	for _, f := range focus {
		args = append(args, "--focus", f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b, runErr := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	failed, _, rerr := suites.FailedSpecIDs(report)
	if rerr != nil {
		return nil, string(b), fmt.Errorf("%v (run: %v)", rerr, runErr)
	}
	if failed == nil {
		failed = []string{}
	}
	return failed, string(b), runErr
}

// handshakeSpecs send a request without a client certificate to an mTLS endpoint.
var handshakeSpecs = []string{"CDR-REG-N12", "UK-REG-N39", "GEN-REG-N08", "IS-REG-N06", "UK-GET-N07", "UK-PUT-N11", "UK-DEL-N09"}

// TestHandshakeRefusalIsRecognisedEveryTime: a bank that refuses a missing client certificate in the TLS
// handshake reaches the client as an alert, a reset, a broken pipe or EOF, as timing has it; the specs
// must pass whichever it is, in 100 runs in a row.
func TestHandshakeRefusalIsRecognisedEveryTime(t *testing.T) {
	if testing.Short() {
		t.Skip("100 runs")
	}
	bin, pool := selfTestBinary(t)
	dir := t.TempDir()
	const runs = 100
	var mu sync.Mutex
	bad := 0
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			failed, out, err := runWithChoices(bin, pool, filepath.Join(dir, fmt.Sprintf("%03d.json", i)), []string{"client-cert=handshake"}, handshakeSpecs)
			if len(failed) == 0 && err == nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			bad++
			if bad <= 3 {
				t.Errorf("run %d: failed %v (%v)\n%s", i, failed, err, lastLines(out, 20))
			}
		}()
	}
	wg.Wait()
	if bad > 0 {
		t.Errorf("%d of %d runs failed", bad, runs)
	}
	t.Logf("%d runs of %s", runs, strings.Join(handshakeSpecs, ", "))
}
