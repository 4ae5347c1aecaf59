package config

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

const plain = "profile: rfc7591\ntarget: {registration_endpoint: 'http://127.0.0.1:5000/register', token_endpoint: 'http://127.0.0.1:5000/token', allow_http: true}\n"

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
		{"concurrency of one", "target: {discovery_url: https://b/x, concurrency: 1}\n" + validSoftware, "target.concurrency"},
		{"concurrency too high", "target: {discovery_url: https://b/x, concurrency: 1000}\n" + validSoftware, "target.concurrency"},
		{"negative concurrency", "target: {discovery_url: https://b/x, concurrency: -2}\n" + validSoftware, "target.concurrency"},
		{"no identity", "target: {discovery_url: https://b/x}\n", "software"},
		{"missing kid", "target: {discovery_url: https://b/x}\n" + strings.Replace(validSoftware, "  signing_kid: kid1\n", "", 1), "software.signing_kid"},
		{"two ssas", "target: {discovery_url: https://b/x}\n" + validSoftware + "  ssa_file: x.jwt\n", "software.ssa"},
		{"bad alg", "target: {discovery_url: https://b/x}\n" + validSoftware + "  signing_alg: HS256\n", "software.signing_alg"},
		{"both identities", "target: {discovery_url: https://b/x}\ndirectory: {}\n" + validSoftware, "directory"},
		{"no aud", "target: {registration_endpoint: https://b/r, token_endpoint: https://b/t}\n" + validSoftware, "target.issuer"},
		{"bad uk version", "target: {discovery_url: https://b/x, version: '3.0'}\n" + validSoftware, "target.version"},
		{"version outside uk", "profile: cdr\ntarget: {discovery_url: https://b/x, version: '3.1'}\n" + validSoftware, "target.version"},
		{"bad assertion audience", "target: {discovery_url: https://b/x, assertion_audience: resource}\n" + validSoftware, "target.assertion_audience"},
		{"bad listen", "target: {discovery_url: https://b/x}\ndirectory: {listen: nope}\n", "directory.listen"},
		{"running directory bad url", "target: {discovery_url: https://b/x}\ndirectory: {url: 'ftp://d'}\n", "directory.url"},
		{"running directory with state", "target: {discovery_url: https://b/x}\ndirectory: {url: 'https://d', state: st}\n", "directory.url"},
		{"running directory bad ttl", "target: {discovery_url: https://b/x}\ndirectory: {url: 'https://d', run_ttl: 48h}\n", "directory.run_ttl"},
		{"token without url", "target: {discovery_url: https://b/x}\ndirectory: {listen: '127.0.0.1:0', admin_token: x}\n", "directory"},
		{"bad skip", plain + "overrides: {skip: [{A: x, B: y}]}\n", "overrides.skip[0]"},
		{"empty spec override", plain + "overrides: {specs: {RFC-PUT-N05: {}}}\n", "overrides.specs.RFC-PUT-N05"},
		{"bad spec status", plain + "overrides: {specs: {RFC-PUT-N05: {statuses: [42]}}}\n", "overrides.specs.RFC-PUT-N05.statuses"},
		{"bad auth method", plain + "overrides: {token_endpoint_auth_method: magic}\n", "overrides.token_endpoint_auth_method"},
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

// The plain RFC 7591 knobs: skips with reasons, per-spec refusals, the baseline's grant types and auth
// method, and a scope that is absent (the profile's default), given, or empty (none sent).
func TestPlainProfileSettings(t *testing.T) {
	c, err := Parse([]byte(plain + `overrides:
  skip:
    - RFC-REG-N02
    - RFC-PUT-N06: the server keeps secrets elsewhere
  specs:
    RFC-PUT-N05: {statuses: [400, 403], errors: [invalid_request]}
  grant_types: [client_credentials, authorization_code]
  token_endpoint_auth_method: private_key_jwt
`))
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := c.BuildTarget(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := tgt.Settings("rfc7591")
	if strings.Join(s.Skip, ",") != "RFC-REG-N02,RFC-PUT-N06" || len(s.SkipReasons) != 1 || s.SkipReasons["RFC-PUT-N06"] != "the server keeps secrets elsewhere" {
		t.Errorf("skip = %v, reasons %v", s.Skip, s.SkipReasons)
	}
	if o := s.Specs["RFC-PUT-N05"]; len(s.Specs) != 1 || fmt.Sprint(o.Statuses) != "[400 403]" || fmt.Sprint(o.Errors) != "[invalid_request]" {
		t.Errorf("specs = %+v", s.Specs)
	}
	if fmt.Sprint(s.GrantTypes) != "[client_credentials authorization_code]" || s.TokenEndpointAuthMethod != "private_key_jwt" {
		t.Errorf("baseline = %v %q", s.GrantTypes, s.TokenEndpointAuthMethod)
	}
	if s.Scope != nil || tgt.Scope != "" {
		t.Errorf("no scope configured, yet scope %v / %q: the profile's default must apply", s.Scope, tgt.Scope)
	}
	for yaml, want := range map[string]string{"scope: ''": "", "scope: openid": "openid"} {
		c, err := Parse([]byte(strings.Replace(plain, "target: {", "target: {"+yaml+", ", 1)))
		if err != nil {
			t.Fatal(err)
		}
		tgt, err := c.BuildTarget(nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := tgt.Settings("rfc7591").Scope; got == nil || *got != want {
			t.Errorf("%s: scope %v, want %q", yaml, got, want)
		}
	}
}

func TestRunningDirectoryBlock(t *testing.T) {
	c, err := Parse([]byte("target: {discovery_url: https://b/x}\ndirectory: {url: 'https://directory.example:8443', run_ttl: 10m}\n"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(AdminTokenEnv, "from-env")
	if !c.Directory.Remote() || c.Directory.Token() != "from-env" || c.Directory.RunTTLDuration() != 10*time.Minute {
		t.Fatalf("directory %+v: remote %v, token %q, ttl %s", c.Directory, c.Directory.Remote(), c.Directory.Token(), c.Directory.RunTTLDuration())
	}
	c.Directory.AdminToken = "from-file"
	if c.Directory.Token() != "from-file" {
		t.Error("directory.admin_token does not win over the environment")
	}
	t.Setenv(AdminTokenEnv, "")
	c.Directory.AdminToken = ""
	if _, err := c.Directory.StartRun(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), AdminTokenEnv) {
		t.Errorf("a run without a token: %v", err)
	}
}

// target.fapi reaches the target: certificate-bound tokens are then required whatever discovery says.
func TestFAPISetting(t *testing.T) {
	for yaml, want := range map[string]bool{"": false, "fapi: true, ": true, "fapi: false, ": false} {
		c, err := Parse([]byte(strings.Replace(plain, "target: {", "target: {"+yaml, 1)))
		if err != nil {
			t.Fatal(err)
		}
		tgt, err := c.BuildTarget(nil)
		if err != nil {
			t.Fatal(err)
		}
		if tgt.FAPI != want {
			t.Errorf("%q: target FAPI %v, want %v", yaml, tgt.FAPI, want)
		}
	}
}
