package mockdirectory

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const seedYAML = `
organisations:
  - id: 0015800001HQQrZAAX
    name: WSO2 (UK) LIMITED
    contacts:
      - {name: Technical, email: tech@wso2.example, phone: "+94774274374", type: Technical}
    authorisations:
      - {member_state: GB, roles: [PISP, AISP, CBPII]}
      - {member_state: IE, roles: [PISP, CBPII, AISP]}
    software:
      - id: oQ4KoaavpOuoE7rvQsZEOV
        client_name: WSO2 Open Banking TPP2 (Sandbox)
        client_description: WSO2 Open Banking TPP2 for testing
        version: "1.5"
        roles: [PISP, AISP, CBPII]
        redirect_uris: [https://www.google.com/redirects/redirect1]
      - client_name: EC app
        key_type: EC
  - name: Mock Company Inc.
    software:
      - id: sgsMuc8ACBgBzinpr8oJ1X
        client_name: Mock Software 1
`

func writeSeed(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSeed(t *testing.T) {
	seed := writeSeed(t, seedYAML)
	state := t.TempDir()
	d, err := New(Config{StateDir: state, SeedFile: seed})
	if err != nil {
		t.Fatal(err)
	}
	orgs := d.Organisations()
	if len(orgs) != 2 || orgs[0].ID != "0015800001HQQrZAAX" || orgs[1].Name != "Mock Company Inc." || len(orgs[1].ID) != 18 {
		t.Fatalf("seeded organisations %+v", orgs)
	}
	if len(orgs[0].Authorisations) != 2 || orgs[0].Authorisations[1].MemberState != "IE" {
		t.Errorf("authorisations %+v", orgs[0].Authorisations)
	}
	sws, _ := d.SoftwareList("")
	if len(sws) != 3 || sws[0].ID != "oQ4KoaavpOuoE7rvQsZEOV" || sws[1].KeyType != KeyTypeEC || sws[2].OrgID != orgs[1].ID {
		t.Fatalf("seeded software %+v", sws)
	}
	ssa, err := d.IssueSSA("oQ4KoaavpOuoE7rvQsZEOV", SSAOptions{})
	if err != nil || ssa == "" {
		t.Fatal(err)
	}
	// Restart with the same state and seed: nothing is duplicated.
	d.Close()
	d2, err := New(Config{StateDir: state, SeedFile: seed})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if n := len(d2.Organisations()); n != 2 {
		t.Errorf("%d organisations after re-seeding", n)
	}
	if sws2, _ := d2.SoftwareList(""); len(sws2) != 3 {
		t.Errorf("%d software after re-seeding", len(sws2))
	}
	// In memory, JSON works too.
	js := writeSeed(t, `{"organisations":[{"name":"J","software":[{"client_name":"S"}]}]}`)
	if _, err := New(Config{SeedFile: js}); err != nil {
		t.Error(err)
	}
}

func TestSeedInvalid(t *testing.T) {
	for _, c := range []struct{ name, seed, field string }{
		{"unknown field", "organisations:\n  - name: A\n    colour: red\n", "colour"},
		{"bad status", "organisations:\n  - name: A\n    status: Gone\n", "organisations[0].status"},
		{"bad redirect", "organisations:\n  - name: A\n  - name: B\n    software:\n      - client_name: S\n        redirect_uris: [http://x.example]\n", "organisations[1].software[0].redirect_uris[0]"},
		{"role not held", "organisations:\n  - name: A\n    roles: [AISP]\n    software:\n      - client_name: S\n        roles: [PISP]\n", "organisations[0].software[0].roles[0]"},
		{"duplicate id", "organisations:\n  - {id: X1, name: A}\n  - {id: X1, name: B}\n", "organisations[1].id"},
		{"not YAML", "organisations: [", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			state := t.TempDir()
			_, err := New(Config{StateDir: state, SeedFile: writeSeed(t, c.seed)})
			if err == nil {
				t.Fatal("invalid seed accepted")
			}
			var ve *ValidationError
			if c.field != "" && !strings.Contains(err.Error(), c.field) {
				t.Errorf("error %q does not name %s", err, c.field)
			}
			if c.field != "" && c.field != "colour" && (!errors.As(err, &ve) || ve.Field != c.field) {
				t.Errorf("field %v, want %s", err, c.field)
			}
			// Nothing of the seed was stored.
			for _, p := range listFiles(t, state) {
				if strings.HasPrefix(p, "orgs/") || strings.HasPrefix(p, "software/") {
					t.Errorf("invalid seed left %s", p)
				}
			}
		})
	}
	if _, err := New(Config{SeedFile: filepath.Join(t.TempDir(), "missing.yaml")}); err == nil {
		t.Error("missing seed file accepted")
	}
}
