package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad loads any config file: an error or a config, never a panic or a hang; a config that loads
// validates again unchanged.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("target: {discovery_url: https://b/x}\n" + validSoftware))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(p)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("a loaded config does not validate again: %v", err)
		}
	})
}
