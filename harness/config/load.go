// Loading: a capped read of the file, YAML to the types, and paths made relative to the file.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"sigs.k8s.io/yaml"
)

// MaxConfigBytes caps a config file.
const MaxConfigBytes = 1 << 20

// readCapped reads a file of at most max bytes.
func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is over %d bytes", path, max)
	}
	return data, nil
}

// Load reads and validates a config file.
func Load(path string) (*Config, error) {
	data, err := readCapped(path, MaxConfigBytes)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	c.resolvePaths(filepath.Dir(path))
	if err := c.checkFiles(time.Now()); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Parse reads YAML strictly (an unknown field is an error) and validates it.
func Parse(data []byte) (*Config, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the file is empty")
	}
	var c Config
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return nil, decodeError(data, err)
	}
	if err := c.Validate(); err != nil {
		return nil, withPositions(data, err)
	}
	return &c, nil
}

func (c *Config) resolvePaths(dir string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	abs(&c.Target.CABundle)
	if s := c.Software; s != nil {
		for _, p := range []*string{&s.TransportCert, &s.TransportKey, &s.SigningKey, &s.SSAFile} {
			abs(p)
		}
	}
	if c.Directory != nil {
		abs(&c.Directory.State)
		abs(&c.Directory.CABundle)
	}
	c.Container.resolvePaths(abs)
}
