package client

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// Interrupt ends a request waiting on a target that never answers, and fails every later one at once.
func TestInterruptEndsRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // accept and never answer
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	c := New(Options{Timeout: time.Minute})
	done := make(chan error, 1)
	go func() {
		_, err := c.Do(context.Background(), Request{Method: "GET", URL: "http://" + ln.Addr().String() + "/"}, nil)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	Interrupt()
	defer resetInterrupt()
	select {
	case err := <-done:
		if !errors.Is(err, ErrInterrupted) {
			t.Errorf("in flight: %v, want ErrInterrupted", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the request did not end after Interrupt")
	}
	if _, err := c.Do(context.Background(), Request{Method: "GET", URL: "http://" + ln.Addr().String() + "/"}, nil); !errors.Is(err, ErrInterrupted) {
		t.Errorf("after: %v, want ErrInterrupted", err)
	}
}
