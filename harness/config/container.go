package config

import (
	"crypto/x509"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/harness/target"
)

// Container runs the bank from a Docker image: the harness starts a mock directory in a container of its
// own and the image beside it on a network of the run, waits until the image is ready, runs the suites
// against its published port, and removes both containers and the network afterwards.
type Container struct {
	Image          string            `json:"image"`           // required; must be present locally (never pulled)
	Env            map[string]string `json:"env"`             // environment of the bank's container
	Port           int               `json:"port"`            // the HTTPS port the image listens on (default 8443)
	Ready          string            `json:"ready"`           // "/path" (GET until 200) or "log:TEXT" (default: discovery_path)
	ReadyTimeout   string            `json:"ready_timeout"`   // how long readiness may take, e.g. "90s" (default 60s)
	DiscoveryPath  string            `json:"discovery_path"`  // default /.well-known/openid-configuration
	CA             string            `json:"ca"`              // path in the container of the CA of the image's own server certificate
	Args           []string          `json:"args"`            // replace the image's command
	Files          []ContainerFile   `json:"files"`           // host files copied into the container before it starts
	DirectoryImage string            `json:"directory_image"` // default dcrconform-directory:latest
}

// ContainerFile is a host file copied into the bank's container (world-readable).
type ContainerFile struct {
	Source string `json:"source"` // host path, relative to the config file
	Target string `json:"target"` // absolute path in the container
}

// Defaults of a container block.
const (
	DefaultContainerPort  = 8443
	DefaultDiscoveryPath  = "/.well-known/openid-configuration"
	DefaultReadyTimeout   = 60 * time.Second
	maxContainerReadyWait = 10 * time.Minute
)

// PortOrDefault is the container port to publish.
func (c *Container) PortOrDefault() int {
	if c.Port == 0 {
		return DefaultContainerPort
	}
	return c.Port
}

// DiscoveryPathOrDefault is the path of the bank's discovery document.
func (c *Container) DiscoveryPathOrDefault() string {
	if c.DiscoveryPath == "" {
		return DefaultDiscoveryPath
	}
	return c.DiscoveryPath
}

// ReadyOrDefault is the readiness check: "/path" or "log:TEXT".
func (c *Container) ReadyOrDefault() string {
	if c.Ready == "" {
		return c.DiscoveryPathOrDefault()
	}
	return c.Ready
}

// ReadyTimeoutDuration is ready_timeout parsed, or the default. Validate has checked it.
func (c *Container) ReadyTimeoutDuration() time.Duration {
	if d, err := time.ParseDuration(c.ReadyTimeout); err == nil && d > 0 {
		return d
	}
	return DefaultReadyTimeout
}

func (c *Container) resolvePaths(abs func(*string)) {
	if c == nil {
		return
	}
	for i := range c.Files {
		abs(&c.Files[i].Source)
	}
}

// validateContainer checks a config with a container block: the container's fields, and that nothing
// says where the bank is or which identity to use (the containers decide both).
func (c *Config) validateContainer() []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	k := c.Container
	if strings.TrimSpace(k.Image) == "" {
		bad("container.image", "required")
	}
	for name := range k.Env {
		if name == "" || strings.ContainsAny(name, "= \t\n") {
			bad("container.env", "%q is not a variable name", name)
		}
	}
	if k.Port < 0 || k.Port > 65535 {
		bad("container.port", "%d is not a port (1 to 65535)", k.Port)
	}
	if k.Ready != "" && !strings.HasPrefix(k.Ready, "/") && (!strings.HasPrefix(k.Ready, "log:") || k.Ready == "log:") {
		bad("container.ready", "%q is neither an HTTP path (/…) nor log:TEXT", k.Ready)
	}
	if k.ReadyTimeout != "" {
		if d, err := time.ParseDuration(k.ReadyTimeout); err != nil {
			bad("container.ready_timeout", "%q is not a duration like \"90s\"", k.ReadyTimeout)
		} else if d <= 0 || d > maxContainerReadyWait {
			bad("container.ready_timeout", "%s is outside 0 to %s", d, maxContainerReadyWait)
		}
	}
	if k.DiscoveryPath != "" && !strings.HasPrefix(k.DiscoveryPath, "/") {
		bad("container.discovery_path", "%q must start with /", k.DiscoveryPath)
	}
	if k.CA != "" && !path.IsAbs(k.CA) {
		bad("container.ca", "%q must be an absolute path in the container", k.CA)
	}
	if k.CA != "" && c.Target.CABundle != "" {
		bad("container.ca", "give container.ca or target.ca_bundle, not both")
	}
	for i, f := range k.Files {
		if f.Source == "" {
			bad(fmt.Sprintf("container.files[%d].source", i), "required")
		}
		if !path.IsAbs(f.Target) {
			bad(fmt.Sprintf("container.files[%d].target", i), "%q must be an absolute path in the container", f.Target)
		}
	}
	for field, v := range map[string]string{"target.discovery_url": c.Target.DiscoveryURL, "target.issuer": c.Target.Issuer} {
		if v != "" {
			bad(field, "not with container: the bank's address is its container's published port")
		}
	}
	for field, v := range map[string]string{"target.registration_endpoint": c.Target.RegistrationEndpoint, "target.token_endpoint": c.Target.TokenEndpoint} {
		if v != "" && !strings.HasPrefix(v, "/") {
			bad(field, "with container, a path (e.g. /register) on the container's published port, not %q", v)
		}
	}
	if c.Software != nil {
		bad("software", "not with container: the mock directory in its own container mints the identities")
	}
	if c.Directory != nil {
		bad("directory", "not with container: the harness starts the mock directory in its own container")
	}
	return errs
}

// ContainerTarget describes the bank running in a container, reached at baseURL (scheme, host and published
// port; target.registration_endpoint and target.token_endpoint, when given, are paths under it), with roots for its server certificate (target.ca_bundle wins when given) and dir minting software
// identities and SSAs.
func (c *Config) ContainerTarget(baseURL string, roots *x509.CertPool, dir target.Directory) (*target.Target, error) {
	t := &c.Target
	base := strings.TrimRight(baseURL, "/")
	tgt := &target.Target{
		Name: t.Name, Profile: c.Profile, DiscoveryURL: base + c.Container.DiscoveryPathOrDefault(),
		Audience: t.Audience, Timeout: t.TimeoutDuration(), Concurrency: t.Concurrency, RootCAs: roots, Directory: dir, Version: t.Version,
		// A container ready over plain HTTP (container.ready) is itself the opt-in to http.
		AllowHTTP: t.AllowHTTP || strings.HasPrefix(base, "http:"),
		Supports:  target.Capabilities{Read: orTrue(t.Supports.Read), Update: orTrue(t.Supports.Update), Delete: orTrue(t.Supports.Delete)},
	}
	settings := c.settings()
	if t.RegistrationEndpoint != "" { // a path on the published port (Validate has checked it)
		tgt.Registration = base + t.RegistrationEndpoint
		settings.Registration = tgt.Registration
	}
	if t.TokenEndpoint != "" {
		tgt.Token = base + t.TokenEndpoint
	}
	tgt.Profiles = map[string]*target.ProfileSettings{c.Profile: settings}
	if tgt.Name == "" {
		tgt.Name = c.Container.Image
	}
	if t.CABundle != "" {
		pool, err := loadPool(t.CABundle)
		if err != nil {
			return nil, err
		}
		tgt.RootCAs = pool
	}
	return tgt, nil
}

func loadPool(file string) (*x509.CertPool, error) {
	pemBytes, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("target.ca_bundle: %w", err)
	}
	certs, err := pki.ParseCertsPEM(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("target.ca_bundle: %w", err)
	}
	pool := x509.NewCertPool()
	for _, cert := range certs {
		pool.AddCert(cert)
	}
	return pool, nil
}
