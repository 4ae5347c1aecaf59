package suites

import (
	"bytes"
	"io"
	"sync"
)

// gateNode names the run's last report node: when it starts, Ginkgo's console gives way to dcrconform's.
const gateNode = "dcrconform console: Ginkgo's summary left to dcrconform's tally"

// consoleGate carries Ginkgo's console output until the run's last report node (gateNode) starts, then
// drops the rest: Ginkgo's own summary ("Ran 94 of 187 Specs", SUCCESS! or FAIL!, its list of failures),
// which counts the specs the run did not select as skipped and says SUCCESS! when a focus matched
// nothing. dcrconform prints its own tally and failures instead.
type consoleGate struct {
	w      io.Writer
	mu     sync.Mutex
	closed bool
}

func (g *consoleGate) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed && bytes.Contains(p, []byte(gateNode)) { // the node's header, printed in verbose mode
		g.closed = true
	}
	if g.closed {
		return len(p), nil
	}
	return g.w.Write(p)
}

func (g *consoleGate) setClosed(closed bool) {
	g.mu.Lock()
	g.closed = closed
	g.mu.Unlock()
}
