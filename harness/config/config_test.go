package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const validSoftware = `
software:
  software_id: abc
  transport_cert: t.pem
  transport_key: tk.pem
  signing_key: s.pem
  signing_kid: kid1
  redirect_uris: [https://tpp.example.com/cb]
  ssa: eyJ.eyJ.sig
`

func TestParseNamesTheFieldAtFault(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, wantField string
	}{
		{"empty", "", "empty"},
		{"unknown field", "target: {discovery_url: https://b/x}\nbogus: 1\n" + validSoftware, "bogus"},
		{"no endpoints", "target: {}\n" + validSoftware, "target.discovery_url"},
		{"bad url", "target: {discovery_url: 'ftp://x'}\n" + validSoftware, "target.discovery_url"},
		{"bad profile", "profile: mars\ntarget: {discovery_url: https://b/x}\n" + validSoftware, "profile"},
		{"bad timeout", "target: {discovery_url: https://b/x, timeout: soon}\n" + validSoftware, "timeout"},
		{"long timeout", "target: {discovery_url: https://b/x, timeout: 1h}\n" + validSoftware, "target.timeout"},
		{"no identity", "target: {discovery_url: https://b/x}\n", "software"},
		{"missing kid", "target: {discovery_url: https://b/x}\n" + strings.Replace(validSoftware, "  signing_kid: kid1\n", "", 1), "software.signing_kid"},
		{"two ssas", "target: {discovery_url: https://b/x}\n" + validSoftware + "  ssa_file: x.jwt\n", "software.ssa"},
		{"bad alg", "target: {discovery_url: https://b/x}\n" + validSoftware + "  signing_alg: HS256\n", "software.signing_alg"},
		{"both identities", "target: {discovery_url: https://b/x}\ndirectory: {}\n" + validSoftware, "directory"},
		{"no aud", "target: {registration_endpoint: https://b/r, token_endpoint: https://b/t}\n" + validSoftware, "target.issuer"},
		{"bad uk version", "target: {discovery_url: https://b/x, version: '3.0'}\n" + validSoftware, "target.version"},
		{"version outside uk", "profile: cdr\ntarget: {discovery_url: https://b/x, version: '3.1'}\n" + validSoftware, "target.version"},
		{"bad listen", "target: {discovery_url: https://b/x}\ndirectory: {listen: nope}\n", "directory.listen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.wantField) {
				t.Fatalf("err = %v, want one naming %q", err, tc.wantField)
			}
		})
	}
}

func TestParseValidDefaults(t *testing.T) {
	c, err := Parse([]byte("target: {discovery_url: https://b/x, supports: {delete: false}}\n" + validSoftware))
	if err != nil {
		t.Fatal(err)
	}
	tgt := c.Target.Supports
	if c.Profile != "uk" || !orTrue(tgt.Read) || orTrue(tgt.Delete) {
		t.Fatalf("defaults wrong: %+v", c)
	}
	c, err = Parse([]byte("target: {discovery_url: https://b/x, version: '3.1'}\n" + validSoftware))
	if err != nil {
		t.Fatal(err)
	}
	if c.Target.Version != "3.1" {
		t.Fatalf("target.version 3.1 read as %q", c.Target.Version)
	}
}

func TestLoadResolvesPathsAndReportsUnreadableFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(p, []byte("target: {discovery_url: https://b/x}\n"+validSoftware), 0o600); err != nil {
		t.Fatal(err)
	}
	// The files are read at load: the error names the field and the resolved path.
	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), "software.transport_cert") || !strings.Contains(err.Error(), filepath.Join(dir, "t.pem")) {
		t.Fatalf("err = %v, want one naming software.transport_cert at %s", err, filepath.Join(dir, "t.pem"))
	}
}

// TestExamplesAreValid keeps every example configuration in fixtures/examples valid.
func TestExamplesAreValid(t *testing.T) {
	files, err := filepath.Glob("../../fixtures/examples/*.yaml")
	if err != nil || len(files) < 5 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(data); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}
