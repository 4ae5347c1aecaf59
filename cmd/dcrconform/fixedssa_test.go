package main

import (
	"crypto"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/harness/embedded"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// fixedSSAConfig registers one software at the embedded directory and writes a config that drives the
// embedded bank with that software's fixed SSA and keys, as a bank's own CI would.
func fixedSSAConfig(t *testing.T, env *embedded.Env, supports string) string {
	t.Helper()
	org, err := env.Directory.CreateOrganisation(mockdirectory.Organisation{Name: "Fixed TPP", Status: "Active"})
	if err != nil {
		t.Fatal(err)
	}
	sw, err := env.Directory.CreateSoftware(mockdirectory.Software{OrgID: org.ID, ClientName: "fixed", Status: "Active",
		Roles: []string{"AISP", "PISP"}, RedirectURIs: []string{"https://tpp.example.com/cb", "https://tpp.example.com/cb2"}, KeyType: "EC"})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := env.Directory.Credentials(sw.ID)
	if err != nil {
		t.Fatal(err)
	}
	ssa, err := env.Directory.IssueSSA(sw.ID, mockdirectory.SSAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	transportKey, err := pki.KeyPEM(creds.Transport.PrivateKey.(crypto.Signer))
	if err != nil {
		t.Fatal(err)
	}
	signingKey, err := pki.KeyPEM(creds.SigningKey.Signer)
	if err != nil {
		t.Fatal(err)
	}
	write("ca.pem", env.Directory.CA().BundlePEM())
	write("transport.pem", pki.CertPEM(creds.Transport.Leaf))
	write("transport-key.pem", transportKey)
	write("signing-key.pem", signingKey)
	write("ssa.jwt", []byte(ssa))
	write("bank.yaml", []byte(`profile: uk
target:
  discovery_url: `+env.Bank.URL+`/.well-known/openid-configuration
  ca_bundle: ca.pem
  supports: `+supports+`
software:
  software_id: `+sw.ID+`
  org_id: `+org.ID+`
  transport_cert: transport.pem
  transport_key: transport-key.pem
  signing_key: signing-key.pem
  signing_kid: `+creds.SigningKey.KeyID+`
  redirect_uris: [https://tpp.example.com/cb, https://tpp.example.com/cb2]
  ssa_file: ssa.jwt
`))
	return filepath.Join(dir, "bank.yaml")
}

// With one fixed software and a bank that cannot delete, only one registration can succeed: the specs
// after it must be skipped with that reason, never failed as duplicates nor passed because the bank
// refused a duplicate.
func TestFixedSoftwareWithoutDeleteSkipsRatherThanCascades(t *testing.T) {
	env, err := embedded.Start(embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	cfg := fixedSSAConfig(t, env, "{delete: false}")
	r := runChild(t, plainBinary(t), "--config", cfg, "--labels", "register")
	if failed := r.specs(types.SpecStateFailed); len(failed) > 0 {
		t.Fatalf("specs failed: %v\n%s", failed, r.stdout)
	}
	if passed := r.specs(types.SpecStatePassed); len(passed) == 0 {
		t.Fatal("no spec passed: the refusals before the first registration should have")
	}
	var blocked int
	for _, s := range r.report {
		if s.State == types.SpecStateSkipped && strings.Contains(s.Failure.Message, "could not be deleted") {
			blocked++
		}
	}
	if blocked == 0 {
		t.Fatal("no spec was skipped for the undeletable registration")
	}
}

// With a fixed software and a bank that deletes, every register spec that needs no directory runs
// against the same software in turn, each cleaning up after itself.
func TestFixedSoftwareRunsRegisterSpecsInTurn(t *testing.T) {
	env, err := embedded.Start(embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	cfg := fixedSSAConfig(t, env, "{}")
	r := runChild(t, plainBinary(t), "--config", cfg, "--labels", "register")
	if failed := r.specs(types.SpecStateFailed); len(failed) > 0 {
		t.Fatalf("specs failed: %v\n%s", failed, r.stdout)
	}
	passed := r.specs(types.SpecStatePassed)
	for _, id := range []string{"UK-REG-001", "UK-REG-N04", "UK-REG-N14", "UK-REG-N33"} {
		if !slices.Contains(passed, id) {
			t.Errorf("%s did not pass; passed: %v", id, passed)
		}
	}
}
