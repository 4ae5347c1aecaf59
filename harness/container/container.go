// Package container runs the target under test, and the mock directory it trusts, in Docker containers
// with testcontainers-go: a network per run, the directory in its own container (alias "directory"),
// the target beside it, ports published on loopback only, readiness checks, and cleanup that leaves no
// container or network behind, whether the run passes, fails or is interrupted.
//
// Ryuk (testcontainers' reaper) stays disabled: this package sets TESTCONTAINERS_RYUK_DISABLED=true
// when it loads, and removes what it started itself. Every container and network of a run carries the
// label dcrconform.run=<run id>, so that RemoveRun can sweep a run and tests can prove nothing is left.
// Images are never pulled: an image missing locally is an error.
package container

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	dcontainer "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/wait"
)

func init() {
	// Cleanup is ours (see RemoveRun); testcontainers must never start its reaper container, which would
	// also need an image pull. Set before testcontainers reads its configuration (lazily, on first use).
	_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	// Ports are published on 127.0.0.1 only, so that is where they are reached (testcontainers would
	// otherwise guess a gateway address when it runs inside a container itself).
	_ = os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", loopbackHost)
}

// loopbackHost is where published ports are bound and reached.
const loopbackHost = "127.0.0.1"

// Labels set on every container and network this package creates.
const (
	LabelRun  = "dcrconform.run"  // the run id
	LabelRole = "dcrconform.role" // "directory" or "target"
)

// Defaults of Run.
const (
	DefaultPort         = "8443/tcp"
	DefaultReadyTimeout = 60 * time.Second
)

// NewRunID returns a fresh random run id.
func NewRunID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// File is a file copied into a container before it starts.
type File struct {
	Path    string // absolute path in the container
	Content []byte
	Mode    int64 // e.g. 0o644; the copy is owned by root, so a non-root image needs it world-readable
}

// Readiness says when a started container is ready.
type Readiness struct {
	// Path is polled with GET on the exposed port until it answers 200 (HTTPS unless PlainHTTP; the
	// server certificate is not checked by this probe). Ignored when Log is set.
	Path      string
	PlainHTTP bool
	Log       string        // wait for this text in the container's output instead
	Timeout   time.Duration // default DefaultReadyTimeout
}

// ParseReadiness reads the CLI form: "/path" for an HTTP check, "log:TEXT" for a log line.
func ParseReadiness(s string) (Readiness, error) {
	switch {
	case strings.HasPrefix(s, "log:"):
		if strings.TrimPrefix(s, "log:") == "" {
			return Readiness{}, errors.New(`"log:" needs the text to wait for, e.g. "log:listening"`)
		}
		return Readiness{Log: strings.TrimPrefix(s, "log:")}, nil
	case strings.HasPrefix(s, "/"):
		return Readiness{Path: s}, nil
	}
	return Readiness{}, fmt.Errorf("%q is neither an HTTP path (/…) nor log:TEXT", s)
}

// settings are what the options of Run and StartDirectory set.
type settings struct {
	runID    string
	network  *Network
	aliases  []string
	env      map[string]string
	port     string
	ready    Readiness
	files    []File
	cmd      []string
	labels   map[string]string
	logs     io.Writer
	logger   tclog.Logger
	role     string
	stopWait time.Duration
}

// Option customises Run and StartDirectory. Options apply in order, after the defaults.
type Option func(*settings)

// WithRunID labels the containers (and a network Run creates) with this run id (default: the network's,
// or a fresh one).
func WithRunID(id string) Option { return func(s *settings) { s.runID = id } }

// WithNetwork attaches the container to nw with these aliases; Run then leaves nw to its owner.
// Without it Run creates a network of its own and removes it on Terminate.
func WithNetwork(nw *Network, aliases ...string) Option {
	return func(s *settings) { s.network, s.aliases = nw, aliases }
}

// WithEnv sets environment variables (later values win).
func WithEnv(env map[string]string) Option {
	return func(s *settings) { maps.Copy(s.env, env) }
}

// WithPort is the container port to publish (on 127.0.0.1, a random host port), e.g. "8443" or "8443/tcp".
func WithPort(port string) Option {
	return func(s *settings) {
		if !strings.Contains(port, "/") {
			port += "/tcp"
		}
		s.port = port
	}
}

// WithReadiness sets the readiness check.
func WithReadiness(r Readiness) Option { return func(s *settings) { s.ready = r } }

// WithFiles copies files into the container before it starts.
func WithFiles(files ...File) Option {
	return func(s *settings) { s.files = append(s.files, files...) }
}

// WithCmd replaces the image's command (the arguments of its entrypoint).
func WithCmd(args ...string) Option { return func(s *settings) { s.cmd = args } }

// WithLabels adds labels.
func WithLabels(l map[string]string) Option { return func(s *settings) { maps.Copy(s.labels, l) } }

// WithLogs copies the container's output to w as it runs.
func WithLogs(w io.Writer) Option { return func(s *settings) { s.logs = w } }

// WithLogger receives testcontainers' own progress messages (default: none).
func WithLogger(l tclog.Logger) Option { return func(s *settings) { s.logger = l } }

func defaults() *settings {
	return &settings{
		env: map[string]string{}, labels: map[string]string{}, port: DefaultPort, role: "target",
		ready: Readiness{Path: "/"}, logger: tclog.NewNoopLogger(), stopWait: 5 * time.Second,
	}
}

// Target is a running container.
type Target struct {
	Image string
	RunID string
	// Host and Port reach the published port from this machine; URL is https://Host:Port (http:// for a
	// plain HTTP readiness check).
	Host    string
	Port    int
	URL     string
	Network *Network

	c           *testcontainers.DockerContainer
	ownsNetwork bool
	stopWait    time.Duration
	once        sync.Once
	err         error
}

// Run starts image as testcontainers-go does (defaults first, then opts), waits until it is ready and
// returns it. On any failure, whatever was started is removed before Run returns, and the error carries
// the end of the container's output.
func Run(ctx context.Context, image string, opts ...Option) (*Target, error) {
	s := defaults()
	for _, o := range opts {
		o(s)
	}
	return run(ctx, image, s)
}

func run(ctx context.Context, image string, s *settings) (_ *Target, err error) {
	if err := checkImage(ctx, image); err != nil {
		return nil, err
	}
	t := &Target{Image: image, Network: s.network, stopWait: s.stopWait}
	defer func() {
		if err != nil {
			_ = t.Terminate(context.WithoutCancel(ctx))
		}
	}()
	if t.Network == nil {
		if t.Network, err = NewNetwork(ctx, s.runID); err != nil {
			return nil, err
		}
		t.ownsNetwork = true
	}
	t.RunID = s.runID
	if t.RunID == "" {
		t.RunID = t.Network.RunID
	}
	labels := maps.Clone(s.labels)
	labels[LabelRun] = t.RunID
	labels[LabelRole] = s.role

	port, err := network.ParsePort(s.port)
	if err != nil {
		return nil, fmt.Errorf("container port %q: %w", s.port, err)
	}
	loopback := netip.MustParseAddr(loopbackHost)
	strategy, err := s.ready.strategy(port.String())
	if err != nil {
		return nil, err
	}
	var files []testcontainers.ContainerFile
	for _, f := range s.files {
		files = append(files, testcontainers.ContainerFile{Reader: bytes.NewReader(f.Content), ContainerFilePath: f.Path, FileMode: f.Mode})
	}
	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:          image,
			Env:            s.env,
			ExposedPorts:   []string{port.String()},
			Labels:         labels,
			Files:          files,
			Cmd:            s.cmd,
			Networks:       []string{t.Network.Name},
			NetworkAliases: map[string][]string{t.Network.Name: s.aliases},
			WaitingFor:     strategy,
			HostConfigModifier: func(hc *dcontainer.HostConfig) {
				// Published on loopback only, on a port Docker picks.
				hc.PortBindings = network.PortMap{port: {{HostIP: loopback, HostPort: ""}}}
			},
		},
		Started: true,
		Logger:  s.logger,
	}
	if s.logs != nil {
		req.LogConsumerCfg = &testcontainers.LogConsumerConfig{Consumers: []testcontainers.LogConsumer{writerConsumer{s.logs}}}
	}
	c, err := testcontainers.GenericContainer(ctx, req)
	if c != nil {
		t.c, _ = c.(*testcontainers.DockerContainer)
	}
	if err != nil {
		return nil, fmt.Errorf("container %s (ready when %s): %w%s", image, s.ready.describe(port.String()), err, t.tail(ctx))
	}
	mapped, err := t.c.MappedPort(ctx, port.String())
	if err != nil {
		return nil, fmt.Errorf("container %s: port %s: %w", image, port, err)
	}
	t.Host, t.Port = loopbackHost, int(mapped.Num())
	scheme := "https"
	if s.ready.Log == "" && s.ready.PlainHTTP {
		scheme = "http"
	}
	t.URL = scheme + "://" + net.JoinHostPort(t.Host, strconv.Itoa(t.Port))
	return t, nil
}

func (r Readiness) timeout() time.Duration {
	if r.Timeout <= 0 {
		return DefaultReadyTimeout
	}
	return r.Timeout
}

// describe says what readiness waits for, for error messages.
func (r Readiness) describe(port string) string {
	if r.Log != "" {
		return fmt.Sprintf("its output shows %q, within %s", r.Log, r.timeout())
	}
	scheme := "https"
	if r.PlainHTTP {
		scheme = "http"
	}
	return fmt.Sprintf("GET %s://<published %s>%s answers 200, within %s", scheme, port, r.Path, r.timeout())
}

func (r Readiness) strategy(port string) (wait.Strategy, error) {
	timeout := r.timeout()
	if r.Log != "" {
		return wait.ForLog(r.Log).WithStartupTimeout(timeout), nil
	}
	if !strings.HasPrefix(r.Path, "/") {
		return nil, fmt.Errorf("readiness path %q must start with /", r.Path)
	}
	h := wait.ForHTTP(r.Path).WithPort(port).WithStartupTimeout(timeout).
		WithStatusCodeMatcher(func(status int) bool { return status == 200 })
	if !r.PlainHTTP {
		// Readiness only: the suites check the certificate on every real request.
		h = h.WithTLS(true, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec
	}
	return h, nil
}

// Terminate removes the container and, when Run created it, the network. Safe to call more than once
// and on a partly started target; it ignores ctx's cancellation (an interrupted run must still clean up).
func (t *Target) Terminate(ctx context.Context) error {
	if t == nil {
		return nil
	}
	t.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		var errs []error
		if t.c != nil {
			errs = append(errs, terminate(ctx, t.c, t.stopWait))
		}
		if t.ownsNetwork && t.Network != nil {
			errs = append(errs, t.Network.Remove(ctx))
		}
		t.err = errors.Join(errs...)
	})
	return t.err
}

func terminate(ctx context.Context, c *testcontainers.DockerContainer, stopWait time.Duration) error {
	if err := c.Terminate(ctx, testcontainers.StopTimeout(stopWait)); err != nil && !isNotFound(err) {
		return fmt.Errorf("remove container %s: %w", shortID(c.GetContainerID()), err)
	}
	return nil
}

// CopyFile reads a file of at most 1 MiB from the container.
func (t *Target) CopyFile(ctx context.Context, path string) ([]byte, error) {
	rc, err := t.c.CopyFileFromContainer(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("copy %s from container %s: %w", path, t.Image, err)
	}
	defer rc.Close()
	const max = 1 << 20
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, fmt.Errorf("copy %s from container %s: %w", path, t.Image, err)
	}
	if len(b) > max {
		return nil, fmt.Errorf("copy %s from container %s: larger than %d bytes", path, t.Image, max)
	}
	return b, nil
}

// ID is the container id.
func (t *Target) ID() string {
	if t.c == nil {
		return ""
	}
	return t.c.GetContainerID()
}

// Logs returns the last lines of the container's output (at most 4 KiB).
func (t *Target) Logs(ctx context.Context) string {
	if t.c == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	rc, err := t.c.Logs(ctx)
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	return strings.TrimSpace(string(b))
}

// tail is the container's last output, formatted to follow an error message.
func (t *Target) tail(ctx context.Context) string {
	if l := t.Logs(ctx); l != "" {
		return "\n--- end of the container's output ---\n" + l
	}
	return ""
}

type writerConsumer struct{ w io.Writer }

func (c writerConsumer) Accept(l testcontainers.Log) { _, _ = c.w.Write(l.Content) }

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
