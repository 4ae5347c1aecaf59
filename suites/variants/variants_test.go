// Package variants runs the suites against the reference bank in each legal variant of its choices
// (harness/bank.Choices): the choices the specifications leave a bank. It is a package of its own so
// that its child runs have a test binary (and a timeout) of their own beside the defect self-test.
package variants_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/keypool"
	"github.com/dcrconform/dcrconform/suites"
)

var (
	binOnce          sync.Once
	binPath, binPool string
	binErr           error
)

// selfTestBinary builds, once per test process, a dcrconform binary without the race detector and a
// saved key pool, for the child runs against the embedded bank.
func selfTestBinary(t *testing.T) (bin, keyPool string) {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dcrconform-variants-")
		if err != nil {
			binErr = err
			return
		}
		binPath, binPool = filepath.Join(dir, "dcrconform"), filepath.Join(dir, "pool.pem")
		build := exec.Command("go", "build", "-o", binPath, "../../cmd/dcrconform")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("building dcrconform for the child runs: %v\n%s", err, out)
			return
		}
		pool, err := keypool.New(16)
		if err != nil {
			binErr = err
			return
		}
		binErr = pool.Save(binPool)
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath, binPool
}

// ukChoices are the reference bank's choices where the UK rules leave a bank free.
var ukChoices = []string{"assertion-aud", "kid", "jti-replay", "unapproved-error", "body-error"}

// TestUKSuitePassesEveryLegalBankChoice runs the UK suite against the reference bank in every
// combination of the choices the UK rules leave a bank: each is a correct bank, so no spec may fail.
func TestUKSuitePassesEveryLegalBankChoice(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	bin, pool := selfTestBinary(t)
	combos := bank.ChoiceCombinations(ukChoices...)
	if len(combos) < 2*2*2*2*3 {
		t.Fatalf("%d combinations of %v: a choice lost its values", len(combos), ukChoices)
	}
	dir := t.TempDir()
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ranCounts := map[int]int{}
	for _, combo := range combos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			report := filepath.Join(dir, strings.ReplaceAll(strings.Join(combo, ","), "/", "_")+".json")
			args := []string{"run", "--labels", "uk", "--key-pool", pool, "--results", report, "--junit", "", "-v=false", "--no-color"}
			for _, c := range combo {
				args = append(args, "--bank-choice", c)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
			failed, ran, rerr := suites.FailedSpecIDs(report)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case rerr != nil:
				t.Errorf("%v: %v (run: %v)", combo, rerr, err)
			case len(failed) > 0 || err != nil:
				t.Errorf("%v: a legal bank failed %v (%v)\n%s", combo, failed, err, lastLines(string(out), 30))
			case strings.Contains(string(out), "dcrconform: warning:"): // a leak, not a spec's SHOULD warning
				t.Errorf("%v: the run left registrations behind:\n%s", combo, lastLines(string(out), 10))
			}
			ranCounts[ran]++
		}()
	}
	wg.Wait()
	if len(ranCounts) != 1 {
		t.Errorf("the combinations ran different numbers of specs (specs ran: number of runs): %v", ranCounts)
	}
	t.Logf("%d combinations of %v, specs ran per run: %v", len(combos), ukChoices, ranCounts)
}

// choiceDefects are, for each non-default choice, the defects whose catch it could hide: each must
// still be caught with the choice on, by its specs in suites.DefectCatches and those of choiceCatches.
var choiceDefects = map[string][]string{
	"assertion-aud=token-endpoint":                      {"token-ignore-aud"},
	"assertion-aud=issuer":                              {"token-ignore-aud"},
	"kid=required":                                      {"token-accept-wrong-key", "skip-request-signature"},
	"jti-replay=global":                                 {"allow-jti-replay", "token-allow-assertion-replay"},
	"unapproved-error=invalid_software_statement":       {"accept-revoked-software", "accept-inactive-org"},
	"body-error=invalid_request":                        {"server-error-on-empty-body", "server-error-on-malformed-jwt", "ignore-content-type", "no-body-limit", "accept-json-body"},
	"subject-dn-check=token-endpoint":                   {"token-accept-other-cert-tls-auth", "ignore-tls-subject-dn"},
	"token-binding=unbound":                             {"manage-without-mtls", "accept-other-client-token"},
	"revocation=live-jwks":                              {"accept-revoked-software"},
	"fragment-error=invalid_client_metadata":            {"allow-redirect-fragment"},
	"metadata=replaced":                                 {"echo-wrong-metadata", "put-ignores-changes", "rfc7592-omit-registration-token", "accept-unsupported-grant-type", "accept-unsupported-response-type", "accept-bad-application-type", "accept-public-client"},
	"cdr-response-types=code":                           {"accept-expired-ssa", "accept-expired-token", "accept-request-hs256", "put-ignores-changes", "allow-duplicate-registration"},
	"id-token-encryption=RSA-OAEP-256/A128CBC-HS256":    {"accept-expired-ssa", "put-ignores-changes"},
	"cdr-duplicate-error=invalid_software_statement":    {"allow-duplicate-registration"},
	"cdr-duplicate-error=unapproved_software_statement": {"allow-duplicate-registration"},
	"client-cert=handshake":                             {"accept-other-software-cert", "accept-expired-token"},
	"rfc7591-auth=private_key_jwt":                      {"accept-no-token", "accept-other-client-token", "rfc7592-omit-registration-token", "allow-redirect-fragment"},
	"rfc7592-patch=merge":                               {"rfc7592-any-method-reads"},
}

// choiceCatches are specs that catch a defect only under a choice, besides its suites.DefectCatches: with
// the subject DN checked at the token endpoint, UK-REG-N41 sees the token endpoint take a wrong certificate.
var choiceCatches = map[string]map[string][]string{
	"subject-dn-check=token-endpoint": {"token-accept-other-cert-tls-auth": {"UK-REG-N41"}},
}

// TestDefectsAreCaughtUnderEachChoice: a bank's legal choice must not let a defect through.
func TestDefectsAreCaughtUnderEachChoice(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	bin, pool := selfTestBinary(t)
	for choice, defects := range choiceDefects {
		catches := map[string][]string{}
		for _, d := range defects {
			catches[d] = append(slices.Clone(suites.DefectCatches[d]), choiceCatches[choice][d]...)
		}
		for _, r := range suites.SelfTest(context.Background(), catches, suites.CommandRunner(bin, pool, 3*time.Minute, "--bank-choice", choice), 2) {
			switch {
			case r.Err != nil:
				t.Errorf("%s, defect %s: the run broke: %v", choice, r.Defect, r.Err)
			case !r.Caught():
				t.Errorf("%s, defect %s: expected %v to fail; failed: %v", choice, r.Defect, r.Expected, r.Failed)
			}
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
