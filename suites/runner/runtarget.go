package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dcrconform/dcrconform/harness/config"
	"github.com/dcrconform/dcrconform/harness/embedded"
	"github.com/dcrconform/dcrconform/harness/gate"
	"github.com/dcrconform/dcrconform/harness/keypool"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// targetKind is one way a run gets its target: the embedded default, a shard of a parent run's embedded
// default (run --procs children), a configured bank, or a bank started from an image.
type targetKind interface {
	// autoProcs is what --procs auto means against this kind of target.
	autoProcs(o *Options) int
	// start brings the target up, with o.Procs resolved; its closers undo what it started.
	start(o *Options, stdout, stderr io.Writer) (*startedTarget, error)
}

// startedTarget is a target a run goes against, and what the run needs to know of it.
type startedTarget struct {
	tgt         *target.Target
	shared      string                 // the embedded default's description for --procs children
	fixedReason string                 // why this target's specs must run in one process ("": they need not)
	liveClients func() []string        // the embedded bank's registrations, to check the cleanup
	expected    []gate.ExpectedFailure // the config's expected_failures
	closers     []func()
}

func (s *startedTarget) onClose(fn func()) { s.closers = append(s.closers, fn) }

func (s *startedTarget) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// kindOf chooses the target kind the flags ask for; a container target is decided by
// startContainerTarget, which needs the config, so it is tried first by startTarget.
func kindOf(o *Options) targetKind {
	switch {
	case o.ConfigPath == "" && o.ShardOf != "":
		return shardKind{}
	case o.ConfigPath == "":
		return embeddedKind{}
	}
	return configKind{}
}

// startTarget starts the run's target, resolving --procs auto for its kind. ok is false with the exit
// code when it could not.
func startTarget(o *Options, stdout, stderr io.Writer) (st *startedTarget, code int, ok bool) {
	if cr, code, isContainer := startContainerTarget(o.Container, o.ConfigPath, o.EmbeddedOnly() || o.ShardOf != "", o.Timeout, stdout, stderr); isContainer {
		if cr == nil {
			return nil, code, false
		}
		if o.ProcsAuto {
			o.Procs = 1
		}
		return &startedTarget{tgt: cr.Target, fixedReason: "a target started from --image", closers: []func(){cr.Close}}, 0, true
	}
	kind := kindOf(o)
	if o.ProcsAuto {
		o.Procs = kind.autoProcs(o)
	}
	st, err := kind.start(o, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "run: %v\n", err)
		return nil, exitUsage, false
	}
	return st, 0, true
}

// shardKind is a run --procs child: the parent's embedded default, described by --shard-of.
type shardKind struct{}

func (shardKind) autoProcs(*Options) int { return 1 }

func (shardKind) start(o *Options, _, stderr io.Writer) (*startedTarget, error) {
	if o.EmbeddedOnly() || o.Procs != 1 {
		return nil, errors.New("--shard-of: the parent run's bank carries --defect, --bank-choice, --bank-delay and --uk-version; --key-pool and --procs are the parent's")
	}
	s, err := readShared(o.ShardOf)
	if err != nil {
		return nil, fmt.Errorf("--shard-of: %w", err)
	}
	st := &startedTarget{}
	st.onClose(useKeyCache(!o.NoKeyCache, stderr))
	if st.tgt, err = embedded.Connect(context.Background(), s, o.Timeout); err != nil {
		st.close()
		return nil, fmt.Errorf("--shard-of: %w", err)
	}
	return st, nil
}

// embeddedKind is the embedded default: the mock directory and the reference bank, in this process.
type embeddedKind struct{}

func (embeddedKind) autoProcs(o *Options) int {
	if o.BankDelay > 0 { // a slow bank: specs at once overlap its waits
		return AutoProcs
	}
	return 1 // CPU-bound: more processes only add start-up
}

func (embeddedKind) start(o *Options, stdout, stderr io.Writer) (st *startedTarget, err error) {
	opts := embedded.Options{Defects: o.Defects, Choices: o.Choices, Timeout: o.Timeout, Logger: QuietLogger(stderr), UKVersion: o.UKVersion, Delay: o.BankDelay}
	if o.Procs > 1 {
		opts.AdminToken = newAdminToken()
	}
	st = &startedTarget{}
	defer func() {
		if err != nil {
			st.close()
		}
	}()
	if o.KeyPool == "" {
		st.onClose(useKeyCache(!o.NoKeyCache, stderr))
	} else {
		pool, err := keypool.Load(o.KeyPool)
		if err != nil {
			return nil, fmt.Errorf("--key-pool: %w", err)
		}
		opts.KeySource = pool.Key
	}
	env, err := embedded.Start(opts)
	if err != nil {
		return nil, err
	}
	st.onClose(func() { _ = env.Close() })
	st.tgt, st.liveClients = env.Target, env.Bank.Bank.LiveClients
	fmt.Fprintf(stdout, "dcrconform: embedded default: mock directory %s, reference bank %s\n", env.DirURL, env.Bank.URL)
	if o.Procs > 1 {
		sh, err := env.Share(opts)
		if err == nil {
			var dir string
			if dir, err = os.MkdirTemp("", "dcrconform-procs-"); err == nil {
				st.onClose(func() { os.RemoveAll(dir) })
				st.shared, err = writeShared(dir, sh)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("--procs: %w", err)
		}
	}
	return st, nil
}

// configKind is a bank described by --config, with the mock directory its config asks for: served by
// this run, or a running directory service reached through its admin API.
type configKind struct{}

func (configKind) autoProcs(*Options) int { return AutoProcs }

func (configKind) start(o *Options, stdout, stderr io.Writer) (st *startedTarget, err error) {
	cfg, err := config.Load(o.ConfigPath)
	if err != nil {
		return nil, err
	}
	if err := checkSkips(cfg); err != nil {
		return nil, fmt.Errorf("config %s: %w", o.ConfigPath, err)
	}
	st = &startedTarget{expected: cfg.ExpectedFailures}
	defer func() {
		if err != nil {
			st.close()
		}
	}()
	var dir *mockdirectory.Directory
	var dirRun *target.DirectoryRun
	switch {
	case cfg.Directory.Remote():
		if dirRun, err = startDirectoryRun(cfg.Directory, stdout); err != nil {
			return nil, fmt.Errorf("directory: %w", err)
		}
		st.onClose(func() { endDirectoryRun(dirRun, stderr) })
		st.tgt, err = cfg.BuildTargetWith(dirRun.Directory)
	case cfg.Directory != nil:
		var stop func()
		if dir, stop, err = serveConfiguredDirectory(cfg.Directory, stderr); err != nil {
			return nil, fmt.Errorf("directory: %w", err)
		}
		st.onClose(stop)
		st.tgt, err = cfg.BuildTarget(dir)
	default:
		st.tgt, err = cfg.BuildTarget(nil)
	}
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", o.ConfigPath, err)
	}
	if dir != nil {
		var stop func()
		st.tgt.Directory, stop = configuredDirectoryKeys(dir, cfg.Directory.State, !o.NoKeyCache, stderr)
		st.onClose(stop)
	}
	if st.tgt.Timeout == 0 {
		st.tgt.Timeout = o.Timeout
	}
	switch {
	case st.tgt.Software != nil:
		st.fixedReason = "the configured software is fixed: it is registered and deleted in turn"
	case cfg.Directory.Remote():
		st.fixedReason = "the run's identities come from one lease on the running directory"
	case cfg.Directory != nil:
		st.fixedReason = "the configuration serves a mock directory of its own"
	}
	return st, nil
}

// newAdminToken is a fresh admin token for the directory a parent run shares with its children.
func newAdminToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
