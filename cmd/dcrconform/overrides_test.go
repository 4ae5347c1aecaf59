package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/embedded"
	"github.com/dcrconform/dcrconform/reports"
)

// rfc7591Config writes a config for the embedded bank's plain RFC 7591 profile with extra overrides.
func rfc7591Config(t *testing.T, env *embedded.Env, overrides string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), env.Directory.CA().BundlePEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := `profile: rfc7591
target:
  registration_endpoint: ` + env.Bank.URL + bank.RegistrationPath(bank.ProfileRFC7591) + `
  token_endpoint: ` + env.Bank.URL + `/oauth2/token
  ca_bundle: ca.pem
overrides:
  initial_access_token: ` + embedded.InitialAccessToken + `
` + overrides
	path := filepath.Join(dir, "rfc7591.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Per-spec overrides loosen one spec, not the fault's others; a skip shows the user's reason; and a
// plain RFC 7591 run sends no scope unless one is configured.
func TestPerSpecOverridesAndSkipReasons(t *testing.T) {
	env, err := embedded.Start(embedded.Options{Defects: []string{"invalid-request-for-redirect", "unknown-client-404"}})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	cfg := rfc7591Config(t, env, `  skip:
    - RFC-REG-002: this server's secrets never expire
  specs:
    RFC-REG-N03: {errors: [invalid_request]}
    RFC-GET-N04: {statuses: [404]}
`)
	jsonPath := filepath.Join(t.TempDir(), "run.json")
	r := runChild(t, plainBinary(t), "--config", cfg, "--json", jsonPath)
	failed, passed := r.specs(types.SpecStateFailed), r.specs(types.SpecStatePassed)
	for _, id := range []string{"RFC-REG-N03", "RFC-GET-N04"} {
		if !slices.Contains(passed, id) {
			t.Errorf("%s, whose refusal the config overrides, did not pass; failed: %v", id, failed)
		}
	}
	for _, id := range []string{"RFC-PUT-N07", "RFC-PUT-N04", "RFC-DEL-N04"} { // same faults, not overridden
		if !slices.Contains(failed, id) {
			t.Errorf("%s passed: the override of another spec loosened it", id)
		}
	}
	run := readRunRecord(t, jsonPath)
	for _, s := range run.Specs {
		switch s.ID {
		case "RFC-REG-002":
			if s.Outcome != reports.OutcomeSkipped || !strings.Contains(s.Reason, "this server's secrets never expire") {
				t.Errorf("RFC-REG-002: %s %q, want skipped with the config's reason", s.Outcome, s.Reason)
			}
		case "RFC-REG-001":
			if len(s.Exchanges) == 0 || strings.Contains(s.Exchanges[0].RequestBody, `"scope"`) {
				t.Errorf("RFC-REG-001 sent a scope, none configured: %v", s.Exchanges)
			}
		}
		for _, ex := range s.Exchanges {
			if strings.Contains(ex.RequestBody, "scope=") || strings.Contains(ex.RequestBody, `"scope"`) {
				t.Errorf("%s: %s %s sent a scope, none configured: %s", s.ID, ex.Method, ex.URL, ex.RequestBody)
				break
			}
		}
	}
}
