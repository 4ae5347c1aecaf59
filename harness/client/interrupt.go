package client

import (
	"context"
	"errors"
	"sync"
)

// ErrInterrupted means the run was stopped (SIGINT, SIGTERM) before or while the request was sent.
var ErrInterrupted = errors.New("the run was interrupted")

var (
	interruptMu sync.Mutex
	interrupted = make(chan struct{})
)

// Interrupt makes every request of every Client fail at once, in flight or to come: a run stopped by
// a signal ends its specs and cleanup without waiting for the target, and writes its reports.
func Interrupt() {
	interruptMu.Lock()
	defer interruptMu.Unlock()
	select {
	case <-interrupted:
	default:
		close(interrupted)
	}
}

func interruptSignal() chan struct{} {
	interruptMu.Lock()
	defer interruptMu.Unlock()
	return interrupted
}

// resetInterrupt undoes Interrupt (tests).
func resetInterrupt() {
	interruptMu.Lock()
	defer interruptMu.Unlock()
	interrupted = make(chan struct{})
}

// withInterrupt returns ctx, cancelled (with ErrInterrupted as its cause) when Interrupt is called.
func withInterrupt(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	interrupted := interruptSignal()
	select {
	case <-interrupted:
		cancel(ErrInterrupted)
		return ctx, func() {}
	default:
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-interrupted:
			cancel(ErrInterrupted)
		case <-done:
		}
	}()
	return ctx, func() { close(done); cancel(nil) }
}
