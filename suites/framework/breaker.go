package framework

import (
	"fmt"
	"sync"

	"github.com/dcrconform/dcrconform/harness/client"
)

// A target that has stopped answering would cost every remaining spec a timeout (87 UK specs at 10 s:
// 15 minutes). After stopAfterTimeouts requests in a row waited out the timeout, or stopAfterMisses in
// a row got no answer at all (refused, reset), the run stops sending: every later request and spec
// fails at once, naming where the target stopped. Any answer, even an error status, resets the count.
const (
	stopAfterTimeouts = 2
	stopAfterMisses   = 3
)

type breaker struct {
	mu                 sync.Mutex
	misses, timeouts   int
	stoppedAt, lastErr string
}

var brk = &breaker{}

func (b *breaker) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.misses, b.timeouts, b.stoppedAt, b.lastErr = 0, 0, "", ""
}

// observe counts a request's outcome for the spec that sent it.
func (b *breaker) observe(spec string, err error) {
	noAnswer, timedOut := client.IsNoAnswer(err)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stoppedAt != "" {
		return
	}
	if !noAnswer {
		b.misses, b.timeouts = 0, 0
		return
	}
	b.misses++
	if timedOut {
		b.timeouts++
	}
	if b.misses >= stopAfterMisses || b.timeouts >= stopAfterTimeouts {
		b.stoppedAt, b.lastErr = spec, err.Error()
	}
}

// stopped is the reason nothing more is sent to the target, or "" while it answers.
func (b *breaker) stopped() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stoppedAt == "" {
		return ""
	}
	return fmt.Sprintf("not run: the target stopped answering at %s (%d requests in a row got no answer; the last: %s)", b.stoppedAt, b.misses, b.lastErr)
}

// stoppedError is returned for a request not sent because the target stopped answering.
type stoppedError struct{ msg string }

func (e *stoppedError) Error() string { return e.msg }
