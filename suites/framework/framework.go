package framework

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/onsi/ginkgo/v2"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Report entry names under which each spec's scenario and transcript are attached to the Ginkgo report.
const (
	EntryScenario   = "dcrconform.scenario"
	EntryTranscript = "dcrconform.transcript"
)

var (
	targetMu      sync.RWMutex
	currentTarget *target.Target
	sharedClient  *client.Client
)

// SetTarget chooses the server the specs run against. Call it before RunSpecs.
func SetTarget(t *target.Target) {
	targetMu.Lock()
	defer targetMu.Unlock()
	currentTarget = t
	sharedClient = t.Client()
	brk.reset()
}

// CurrentTarget is the target set by SetTarget.
func CurrentTarget() *target.Target {
	targetMu.RLock()
	defer targetMu.RUnlock()
	return currentTarget
}

// Framework is created afresh for every spec: it knows the target, sends requests with a transcript,
// and deletes what the spec registered when the spec ends, passed or failed.
type Framework struct {
	Ctx      context.Context
	Scenario Scenario
	Target   *target.Target
	Client   *client.Client
	Record   *transcript.Recorder

	cleanups []func()
	regs     []*Registration // what the spec registered, deleted when it ends (cleanup.go)
	software *target.Software
	profile  *Profile
	batches  int // concurrent batches released so far (concurrent.go)
}

func newFramework(ctx context.Context, s Scenario) *Framework {
	targetMu.RLock()
	t, c := currentTarget, sharedClient
	targetMu.RUnlock()
	if t == nil {
		ginkgo.Fail("no target: framework.SetTarget was not called before the suite ran")
	}
	ginkgo.AddReportEntry(EntryScenario, s, ginkgo.ReportEntryVisibilityNever)
	return &Framework{Ctx: ctx, Scenario: s, Target: t, Client: c, Record: &transcript.Recorder{}}
}

// DeferCleanup runs fn when the spec ends, before the transcript is attached; last registered runs first.
func (f *Framework) DeferCleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

func (f *Framework) finish() {
	// The spec's context ends with its body; cleanup gets a context of its own.
	ctx, cancel := context.WithTimeout(context.Background(), 3*f.Client.Timeout())
	defer cancel()
	f.Ctx = ctx
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		func() {
			defer func() {
				if r := recover(); r != nil {
					fmt.Fprintf(ginkgo.GinkgoWriter, "cleanup of %s: %s\n", f.Scenario.ID, Clean(fmt.Sprint(r)))
				}
			}()
			f.cleanups[i]()
		}()
	}
	ginkgo.AddReportEntry(EntryTranscript, f.Record.Exchanges(), ginkgo.ReportEntryVisibilityNever)
}

// Do sends a request to the target and records it. Once the target has stopped answering (see
// breaker), it sends nothing and fails at once.
func (f *Framework) Do(req client.Request) (*client.Response, error) {
	if msg := brk.stopped(); msg != "" {
		return nil, &stoppedError{msg}
	}
	resp, err := f.Client.Do(f.Ctx, req, f.Record)
	if client.IsPolicyRefusal(err) {
		// Whatever the spec makes of an error: a URL the bank handed out that breaks the origin policy
		// fails the spec, naming the URL and the rule.
		f.Failf("requests only to the bank's own origins, over TLS", "%v", err)
	}
	brk.observe(f.Scenario.ID, err)
	return resp, err
}

// DialTLS opens a TLS connection to addr alone, with no HTTP request, for probes of the handshake. Like
// Do, it counts towards a target that has stopped answering, and names a timeout the way requests do.
func (f *Framework) DialTLS(addr string, cfg *tls.Config) (*tls.Conn, error) {
	if msg := brk.stopped(); msg != "" {
		return nil, &stoppedError{msg}
	}
	if p := f.Client.Policy(); p != nil {
		if err := p.Check("https://" + addr); err != nil {
			f.Failf("requests only to the bank's own origins, over TLS", "%v", err)
		}
	}
	ctx, cancel := context.WithTimeout(f.Ctx, f.Target.Timeout)
	defer cancel()
	conn, err := (&tls.Dialer{Config: cfg}).DialContext(ctx, "tcp", addr)
	var netErr net.Error
	if err != nil && (ctx.Err() == context.DeadlineExceeded || (errors.As(err, &netErr) && netErr.Timeout())) {
		err = &client.NoAnswerError{Reason: fmt.Sprintf("no answer within %s", f.Target.Timeout), TimedOut: true, Err: err}
	}
	brk.observe(f.Scenario.ID, err)
	if err != nil {
		return nil, err
	}
	return conn.(*tls.Conn), nil
}

// Skipf skips the spec with a reason that reports show.
func (f *Framework) Skipf(format string, args ...any) {
	ginkgo.Skip(Clean(fmt.Sprintf(format, args...)), 1)
}

// Clean is text for Ginkgo (and so for the console and every report): at most maxMessage bytes,
// secrets masked, and the bytes a terminal would act on escaped, whatever the bank sent.
func Clean(s string) string {
	return transcript.Printable(transcript.RedactText(transcript.ClipText(s, maxMessage)))
}

// maxMessage caps a message: a few bank strings, each cut to maxMessagePart.
const maxMessage = 16 << 10

// NewID returns a random identifier, for jti values.
func NewID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
