package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestContainerBlockNamesTheFieldAtFault(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, wantField string
	}{
		{"no image", "container: {port: 8443}\n", "container.image"},
		{"bad env", "container: {image: x, env: {'A=B': c}}\n", "container.env"},
		{"bad port", "container: {image: x, port: 70000}\n", "container.port"},
		{"bad ready", "container: {image: x, ready: health}\n", "container.ready"},
		{"empty log ready", "container: {image: x, ready: 'log:'}\n", "container.ready"},
		{"bad ready timeout", "container: {image: x, ready_timeout: soon}\n", "container.ready_timeout"},
		{"long ready timeout", "container: {image: x, ready_timeout: 1h}\n", "container.ready_timeout"},
		{"bad discovery path", "container: {image: x, discovery_path: well-known}\n", "container.discovery_path"},
		{"relative ca", "container: {image: x, ca: ca.pem}\n", "container.ca"},
		{"two cas", "target: {ca_bundle: c.pem}\ncontainer: {image: x, ca: /ca.pem}\n", "container.ca"},
		{"file without source", "container: {image: x, files: [{target: /a}]}\n", "container.files[0].source"},
		{"relative file target", "container: {image: x, files: [{source: a, target: a}]}\n", "container.files[0].target"},
		{"discovery url too", "target: {discovery_url: https://b/x}\ncontainer: {image: x}\n", "target.discovery_url"},
		{"absolute endpoint", "target: {registration_endpoint: https://b/register}\ncontainer: {image: x}\n", "target.registration_endpoint"},
		{"software too", "container: {image: x}\n" + validSoftware, "software"},
		{"directory too", "container: {image: x}\ndirectory: {}\n", "directory"},
		{"unknown field", "container: {image: x, pull: always}\n", "pull"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.wantField) {
				t.Fatalf("err = %v, want one naming %q", err, tc.wantField)
			}
		})
	}
}

func TestContainerBlockDefaultsAndTarget(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bank.yaml")
	yaml := "target: {name: my bank, supports: {delete: false}, timeout: 20s}\ncontainer:\n  image: vendor/bank:1.2\n  files: [{source: extra.pem, target: /etc/bank/extra.pem}]\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	k := c.Container
	if k.PortOrDefault() != 8443 || k.DiscoveryPathOrDefault() != "/.well-known/openid-configuration" ||
		k.ReadyOrDefault() != "/.well-known/openid-configuration" || k.ReadyTimeoutDuration() != 60*time.Second {
		t.Errorf("defaults: %+v", k)
	}
	if k.Files[0].Source != filepath.Join(dir, "extra.pem") {
		t.Errorf("file source not resolved against the config: %s", k.Files[0].Source)
	}
	tgt, err := c.ContainerTarget("https://127.0.0.1:32768/", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tgt.DiscoveryURL != "https://127.0.0.1:32768/.well-known/openid-configuration" || tgt.Name != "my bank" || tgt.Profile != "uk" ||
		tgt.Supports.Delete || !tgt.Supports.Read || tgt.Timeout != 20*time.Second {
		t.Errorf("target: %+v", tgt)
	}
	c.Target.RegistrationEndpoint, c.Target.TokenEndpoint = "/open-banking/0.2/register", "/token"
	tgt, err = c.ContainerTarget("https://127.0.0.1:32768", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://127.0.0.1:32768/open-banking/0.2/register"; tgt.Registration != want || tgt.Settings("uk").Registration != want ||
		tgt.Token != "https://127.0.0.1:32768/token" {
		t.Errorf("endpoint paths: %s, %s, %s", tgt.Registration, tgt.Settings("uk").Registration, tgt.Token)
	}
	c.Target.CABundle = filepath.Join(dir, "missing.pem")
	if _, err := c.ContainerTarget("https://127.0.0.1:1", nil, nil); err == nil || !strings.Contains(err.Error(), "target.ca_bundle") {
		t.Errorf("missing CA bundle: %v", err)
	}
}
