package mockdirectory

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The directory's listeners refuse headers past 64 KiB and close a client's connections past
// MaxConnsPerClient, so that 200 connections with a megabyte of headers each cannot take its memory.
func TestHTTPServerCaps(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := HTTPServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	go srv.Serve(ln)
	defer srv.Close()
	addr := ln.Addr().String()

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("h", 100<<10))
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.Contains(line, "431") {
		t.Errorf("100 KiB of headers: %q, want 431", line)
	}

	var held []net.Conn
	defer func() {
		for _, h := range held {
			h.Close()
		}
	}()
	for range MaxConnsPerClient {
		h, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, h)
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	fmt.Fprint(extra, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	_ = extra.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := bufio.NewReader(extra).ReadString('\n'); err == nil {
		t.Errorf("connection %d of one client answered %q, want it closed", MaxConnsPerClient+1, line)
	}
	held[0].Close()
	// Once the server has seen that close (at once, but on its own goroutine), a new one is served.
	deadline := time.Now().Add(10 * time.Second)
	for {
		again, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(again, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		_ = again.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := bufio.NewReader(again).ReadString('\n')
		again.Close()
		if err == nil && strings.Contains(line, "204") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after one closed: %q, %v; want 204", line, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
