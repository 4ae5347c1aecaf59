package mockdirectory

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// fuzzState makes a state folder (one organisation, one EC software) and returns it with its kids by
// placeholder: $SIGKID and $TLSKID (the software's), $PSKID and $ESKID (the directory's).
func fuzzState(f *testing.F) (string, map[string]string) {
	base := f.TempDir()
	d, err := New(Config{StateDir: base, KeySource: testKeys})
	if err != nil {
		f.Fatal(err)
	}
	defer d.Close()
	if _, err := d.CreateOrganisation(Organisation{ID: "FuzzOrg", Name: "Fuzz"}); err != nil {
		f.Fatal(err)
	}
	if _, err := d.CreateSoftware(Software{ID: "FuzzSW", OrgID: "FuzzOrg", ClientName: "App", KeyType: KeyTypeEC}); err != nil {
		f.Fatal(err)
	}
	e := d.sws["FuzzSW"]
	kids := map[string]string{"$SIGKID": e.rec.SigningKID, "$TLSKID": e.rec.TransportKID}
	for _, k := range d.dirKeys {
		kids["$"+string(k.key.Alg[:2])+"KID"] = k.key.KeyID
	}
	return base, kids
}

// The state records a fuzzed input replaces.
var fuzzStateFiles = []string{"orgs/FuzzOrg.json", "software/FuzzSW.json", "keys/index.json"}

// FuzzStateRecord loads a state whose organisation record, software record or key index is any bytes
// ($-placeholders name the real kids): the directory starts or refuses with an error, never panics, and a
// directory that starts serves its key sets and credentials.
func FuzzStateRecord(f *testing.F) {
	base, kids := fuzzState(f)
	for i, rel := range fuzzStateFiles {
		b, err := os.ReadFile(filepath.Join(base, rel))
		if err != nil {
			f.Fatal(err)
		}
		for ph, kid := range kids {
			b = bytes.ReplaceAll(b, []byte(kid), []byte(ph))
		}
		if os.Getenv("DCRCONFORM_PRINT_SEEDS") != "" {
			f.Logf("seed %d %s:\n%s", i, rel, b)
		}
		f.Add(uint8(i), b)
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS(base)); err != nil {
			t.Fatal(err)
		}
		_ = os.Remove(filepath.Join(dir, LockFile))
		for ph, kid := range kids {
			data = bytes.ReplaceAll(data, []byte(ph), []byte(kid))
		}
		if err := os.WriteFile(filepath.Join(dir, fuzzStateFiles[int(which)%len(fuzzStateFiles)]), data, 0o600); err != nil {
			t.Fatal(err)
		}
		d, err := New(Config{StateDir: dir, KeySource: testKeys})
		if err != nil {
			return
		}
		defer d.Close()
		set := d.JWKS()
		if len(set.Keys) == 0 {
			t.Fatal("a loaded state publishes no directory key")
		}
		seen := map[string]bool{}
		for _, k := range set.Keys {
			if seen[k.KeyID] {
				t.Fatalf("a loaded state publishes kid %s twice", k.KeyID)
			}
			seen[k.KeyID] = true
		}
		sws, _ := d.SoftwareList("")
		for _, s := range sws {
			if _, err := d.Credentials(s.ID); err != nil {
				t.Fatalf("software %s loaded without credentials: %v", s.ID, err)
			}
			if _, err := d.KeySet(SoftwareJWKSPath(s.OrgID, s.ID)); err != nil {
				t.Fatalf("software %s loaded without a key set: %v", s.ID, err)
			}
		}
	})
}
