package framework

import (
	"errors"
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/harness/client"
)

func TestBreakerStopsAfterConsecutiveNoAnswers(t *testing.T) {
	timeout := &client.NoAnswerError{Reason: "no answer within 1s", TimedOut: true, Err: errors.New("deadline")}
	refused := &client.NoAnswerError{Reason: "connection refused", Err: errors.New("refused")}
	for _, tc := range []struct {
		name string
		errs []error
		stop bool
	}{
		{"two timeouts in a row", []error{timeout, timeout}, true},
		{"an answer in between", []error{timeout, nil, timeout}, false},
		{"an error status or TLS error is an answer", []error{timeout, errors.New("TLS: refused"), timeout}, false},
		{"three refusals", []error{refused, refused, refused}, true},
		{"two refusals", []error{refused, refused}, false},
		{"a refusal and a timeout", []error{refused, timeout}, false},
	} {
		b := &breaker{}
		for i, err := range tc.errs {
			b.observe([]string{"A-1", "B-2", "C-3"}[i], err)
		}
		msg := b.stopped()
		if (msg != "") != tc.stop {
			t.Errorf("%s: stopped %q, want stopped %v", tc.name, msg, tc.stop)
		}
		if tc.stop && !strings.HasPrefix(msg, "not run: the target stopped answering at "+[]string{"A-1", "B-2", "C-3"}[len(tc.errs)-1]) {
			t.Errorf("%s: %q does not name where the target stopped", tc.name, msg)
		}
	}
}
