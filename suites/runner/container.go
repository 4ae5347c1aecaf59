package runner

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/dcrconform/dcrconform/harness/config"
	"github.com/dcrconform/dcrconform/harness/container"
	"github.com/dcrconform/dcrconform/harness/target"
)

// ContainerFlags are run's flags for a bank started from an image (the config's container block, on the
// command line).
type ContainerFlags struct {
	image, ready, discoveryPath, ca, directoryImage, runID, logs string
	port                                                         int
	readyTimeout                                                 time.Duration
	env, args, files                                             StringList
}

func AddContainerFlags(fs *flag.FlagSet) *ContainerFlags {
	f := &ContainerFlags{}
	fs.StringVar(&f.image, "image", "", "run the bank from this Docker `image` (present locally; never pulled), beside a mock directory container")
	fs.Var(&f.env, "image-env", "`K=V` in the image's environment (repeatable)")
	fs.IntVar(&f.port, "image-port", config.DefaultContainerPort, "the HTTPS `port` the image listens on")
	fs.StringVar(&f.ready, "image-ready", "", `readiness: "/path" (GET until 200) or "log:TEXT" (default: the discovery path)`)
	fs.DurationVar(&f.readyTimeout, "image-ready-timeout", config.DefaultReadyTimeout, "how long the image may take to become ready")
	fs.StringVar(&f.discoveryPath, "image-discovery-path", config.DefaultDiscoveryPath, "`path` of the bank's discovery document")
	fs.StringVar(&f.ca, "image-ca", "", "`path` in the container of the CA of the image's own server certificate (default: the harness issues the image's certificate)")
	fs.Var(&f.args, "image-arg", "argument replacing the image's command (repeatable)")
	fs.Var(&f.files, "image-file", "`HOST:CONTAINER` file copied into the container before it starts (repeatable)")
	fs.StringVar(&f.directoryImage, "directory-image", container.DefaultDirectoryImage, "`image` of the mock directory")
	fs.StringVar(&f.runID, "run-id", "", "label the run's containers and network dcrconform.run=`ID` (default: random)")
	fs.StringVar(&f.logs, "image-logs", "", "write the bank container's output to this `file`")
	return f
}

// containerConfig is the config of a container run: from --config when it has a container block, else
// from the --image flags; nil when neither asks for a container.
func (f *ContainerFlags) containerConfig(configPath string) (*config.Config, error) {
	if configPath != "" {
		cfg, err := config.Load(configPath)
		if err != nil || cfg.Container == nil {
			return nil, err
		}
		if f.image != "" {
			return nil, fmt.Errorf("--image: the config %s has a container block already", configPath)
		}
		if f.directoryImage != container.DefaultDirectoryImage && cfg.Container.DirectoryImage == "" {
			cfg.Container.DirectoryImage = f.directoryImage
		}
		return cfg, nil
	}
	if f.image == "" {
		return nil, nil
	}
	k := &config.Container{Image: f.image, Env: map[string]string{}, Port: f.port, Ready: f.ready,
		ReadyTimeout: f.readyTimeout.String(), DiscoveryPath: f.discoveryPath, CA: f.ca, Args: f.args, DirectoryImage: f.directoryImage}
	for _, kv := range f.env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("--image-env %q: want NAME=VALUE", kv)
		}
		k.Env[name] = value
	}
	for _, hc := range f.files {
		host, ctr, ok := strings.Cut(hc, ":")
		if !ok || host == "" || ctr == "" {
			return nil, fmt.Errorf("--image-file %q: want HOST-PATH:CONTAINER-PATH", hc)
		}
		k.Files = append(k.Files, config.ContainerFile{Source: host, Target: ctr})
	}
	cfg := &config.Config{Container: k}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("--image flags: %w", err)
	}
	return cfg, nil
}

// containerRun is a bank running in a container beside a mock directory in another, until Close. An
// interrupt (SIGINT, SIGTERM) removes both containers and the network at once, whatever the suites are
// doing; Close removes them otherwise.
type containerRun struct {
	Target  *target.Target
	runID   string
	stderr  io.Writer
	quit    chan struct{}
	sigs    chan os.Signal
	logFile *os.File

	mu      sync.Mutex
	session *container.Session
	once    sync.Once
}

// startContainerTarget starts the containers when the flags or the config ask for them. ok is false when
// they do not (the caller goes on as before); otherwise run is the running target, or nil with the exit code.
func startContainerTarget(f *ContainerFlags, configPath string, embeddedOnly bool, timeout time.Duration, stdout, stderr io.Writer) (run *containerRun, code int, ok bool) {
	cfg, err := f.containerConfig(configPath)
	if err != nil {
		fmt.Fprintf(stderr, "run: %v\n", err)
		return nil, exitUsage, true
	}
	if cfg == nil {
		return nil, 0, false
	}
	if embeddedOnly {
		fmt.Fprintf(stderr, "run: --defect and --key-pool apply to the embedded reference bank; give a container's defects with --image-env %s=NAME,...\n", DefectsEnv)
		return nil, exitUsage, true
	}
	k := cfg.Container
	ready, err := container.ParseReadiness(k.ReadyOrDefault())
	if err != nil {
		fmt.Fprintf(stderr, "run: container.ready: %v\n", err)
		return nil, exitUsage, true
	}
	ready.Timeout = k.ReadyTimeoutDuration()
	opts := container.SessionOptions{RunID: f.runID, Image: k.Image, DirectoryImage: k.DirectoryImage,
		Port: fmt.Sprint(k.PortOrDefault()), Env: k.Env, Cmd: k.Args, Readiness: ready, ServerCA: k.CA,
		OwnCertificate: cfg.Target.CABundle != ""}
	if opts.RunID == "" {
		opts.RunID = container.NewRunID()
	}
	if opts.DirectoryImage == "" {
		opts.DirectoryImage = container.DefaultDirectoryImage
	}
	for _, file := range k.Files {
		b, err := os.ReadFile(file.Source)
		if err != nil {
			fmt.Fprintf(stderr, "run: container file: %v\n", err)
			return nil, exitUsage, true
		}
		opts.Files = append(opts.Files, container.File{Path: file.Target, Content: b, Mode: 0o644})
	}
	r := &containerRun{runID: opts.RunID, stderr: stderr, quit: make(chan struct{}), sigs: make(chan os.Signal, 1)}
	if f.logs != "" {
		if r.logFile, err = os.Create(f.logs); err != nil {
			fmt.Fprintf(stderr, "run: --image-logs: %v\n", err)
			return nil, exitUsage, true
		}
		opts.Logs = r.logFile
	}

	tclog.SetDefault(tclog.NewNoopLogger()) // testcontainers' progress messages
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signal.Notify(r.sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-r.sigs:
			fmt.Fprintf(stderr, "dcrconform: %v: removing the containers and network of run %s\n", s, r.runID)
			cancel()
			r.cleanup()
		case <-r.quit:
		}
	}()
	fmt.Fprintf(stdout, "dcrconform: run %s: starting %s and the mock directory (%s)\n", r.runID, k.Image, opts.DirectoryImage)
	s, err := container.Start(ctx, opts)
	if err != nil {
		r.Close()
		fmt.Fprintf(stderr, "run: %v\n", err)
		return nil, exitFailed, true
	}
	r.mu.Lock()
	r.session = s
	r.mu.Unlock()
	if ctx.Err() != nil { // interrupted as Start returned
		r.Close()
		return nil, exitFailed, true
	}
	tgt, err := cfg.ContainerTarget(s.Target.URL, s.RootCAs, s.Directory.Adapter())
	if err != nil {
		r.Close()
		fmt.Fprintf(stderr, "run: %v\n", err)
		return nil, exitUsage, true
	}
	if tgt.Timeout == 0 {
		tgt.Timeout = timeout
	}
	r.Target = tgt
	fmt.Fprintf(stdout, "dcrconform: run %s: mock directory %s (%s in the network), bank %s at %s\n",
		r.runID, s.Directory.URL, s.Directory.InternalURL, k.Image, s.Target.URL)
	return r, 0, true
}

// cleanup removes the run's containers and network, once.
func (r *containerRun) cleanup() {
	r.once.Do(func() {
		r.mu.Lock()
		s := r.session
		r.mu.Unlock()
		var err error
		if s != nil {
			err = s.Close(context.Background())
		} else {
			err = container.RemoveRun(context.Background(), r.runID)
		}
		if err != nil {
			fmt.Fprintf(r.stderr, "dcrconform: cleanup of run %s: %v (remove what is left with: docker rm -f $(docker ps -aq --filter label=%s=%s))\n",
				r.runID, err, container.LabelRun, r.runID)
		}
	})
}

// Close removes the containers and the network (if an interrupt has not already) and stops watching for
// interrupts.
func (r *containerRun) Close() {
	select {
	case <-r.quit:
	default:
		close(r.quit)
	}
	r.cleanup()
	signal.Stop(r.sigs)
	if r.logFile != nil {
		_ = r.logFile.Close()
	}
}

// StringList is a repeatable flag's values.
type StringList []string

func (s *StringList) String() string     { return strings.Join(*s, ",") }
func (s *StringList) Set(v string) error { *s = append(*s, v); return nil }

// DefectsEnv names, in a reference bank image's environment, the defects it switches on.
const DefectsEnv = "DCRCONFORM_DEFECTS"
