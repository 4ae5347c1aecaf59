package mockdirectory

import (
	"crypto"
	"os"
	"path/filepath"
	"testing"
)

// IdentitiesInMemory keeps organisations and software, with their keys, out of the state, which still
// holds the CA and signing keys; given keys are used as they are; the state loads again.
func TestIdentitiesInMemory(t *testing.T) {
	state := t.TempDir()
	d, err := New(Config{StateDir: state, KeySource: testKeys, IdentitiesInMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	org, err := d.CreateOrganisation(Organisation{Name: "In memory", Status: StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := testKeys(KeyTypeRSA)
	tls, _ := testKeys(KeyTypeRSA)
	sw, err := d.CreateSoftwareWithKeys(Software{OrgID: org.ID, ClientName: "in memory", Status: StatusActive}, sig, tls)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := d.Credentials(sw.ID)
	if err != nil {
		t.Fatal(err)
	}
	if creds.SigningKey.Signer != sig || creds.Transport.PrivateKey.(crypto.Signer) != tls {
		t.Error("the given keys are not the software's")
	}
	if _, err := d.CreateSoftwareWithKeys(Software{OrgID: org.ID, ClientName: "same key twice", Status: StatusActive}, sig, sig); err == nil {
		t.Error("one key as both signing and transport key was accepted")
	}
	ec, _ := testKeys(KeyTypeEC)
	if _, err := d.CreateSoftwareWithKeys(Software{OrgID: org.ID, ClientName: "wrong type", Status: StatusActive}, ec, nil); err == nil {
		t.Error("an EC key was accepted for an RSA software")
	}
	for _, dir := range []string{"orgs", "software"} {
		if entries, err := os.ReadDir(filepath.Join(state, dir)); err == nil && len(entries) > 0 {
			t.Errorf("%s/ holds %d entries, want none", dir, len(entries))
		}
	}
	if _, err := os.Stat(filepath.Join(state, "ca", "root.pem")); err != nil {
		t.Errorf("the CA is not in the state: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := New(Config{StateDir: state, KeySource: testKeys, IdentitiesInMemory: true})
	if err != nil {
		t.Fatalf("reloading the state: %v", err)
	}
	defer again.Close()
	if n := len(again.Organisations()); n != 0 {
		t.Errorf("reloaded %d organisations, want none", n)
	}
}
