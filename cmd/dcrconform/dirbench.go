package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dcrconform/dcrconform/mockdirectory"
)

// runDirectoryBench is `dcrconform directory bench`: a load test of the mock directory (SSA issuance and
// key set requests from concurrent clients over loopback). Without --url it starts the directory as a
// child process of its own binary, so that the directory's peak memory is measured apart from the clients.
// Exit codes: 0 with no error, 1 when any request failed, 2 on usage errors.
func runDirectoryBench(args []string, stdout, stderr io.Writer) int {
	fs := newCLI("directory bench", "directory bench [flags]", "Loads the mock directory over loopback with SSA issuance and key set requests from concurrent clients "+
		"(half issue SSAs, half fetch key sets); prints throughput, latency, errors and, for the directory it starts itself, "+
		"that process's peak memory. Exit 1 when any request failed.", stdout, stderr)
	duration := fs.Duration("duration", 20*time.Second, "how long to load the directory")
	concurrency := fs.Int("concurrency", 32, "concurrent clients")
	target := fs.String("url", "", "load a directory already running at this `URL` (its admin token in $"+adminTokenEnv+"); default: start one")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if code, ok := fs.noArgs(); !ok {
		return code
	}
	if *duration <= 0 || *duration > time.Hour || *concurrency < 1 || *concurrency > 4096 {
		return fs.usageError("want 0 < --duration <= 1h and 1 <= --concurrency <= 4096")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	base, token := *target, os.Getenv(adminTokenEnv)
	var child *exec.Cmd
	if base == "" {
		token = randomToken()
		var err error
		if child, base, err = startDirectoryProcess(token, stderr); err != nil {
			fmt.Fprintf(stderr, "dcrconform directory bench: %v\n", err)
			return exitFailed
		}
		defer func() {
			if child.ProcessState == nil {
				_ = child.Process.Kill()
				_ = child.Wait()
			}
		}()
	} else if err := mockdirectory.CheckBaseURL(base); err != nil {
		return fs.usageError("invalid --url %q: %v", base, err)
	}
	fmt.Fprintf(stdout, "directory bench: %s, %d clients, %s\n", base, *concurrency, *duration)
	res, err := mockdirectory.RunLoad(ctx, mockdirectory.LoadOptions{BaseURL: base, AdminToken: token, Concurrency: *concurrency, Duration: *duration})
	if err != nil {
		fmt.Fprintf(stderr, "dcrconform directory bench: %v\n", err)
		return exitFailed
	}
	fmt.Fprintln(stdout, res)
	for _, e := range res.FirstErrors {
		fmt.Fprintf(stdout, "  error: %s\n", e)
	}
	if child != nil {
		_ = child.Process.Signal(syscall.SIGTERM)
		_ = child.Wait()
		if rss := peakRSS(child.ProcessState); rss > 0 {
			fmt.Fprintf(stdout, "  directory process peak RSS: %.1f MiB\n", float64(rss)/(1<<20))
		}
	}
	if res.Errors > 0 {
		return exitFailed
	}
	return exitOK
}

// startDirectoryProcess runs `dcrconform directory` (this binary) on a free loopback port, in memory, and
// returns it once it serves, with its base URL.
func startDirectoryProcess(token string, stderr io.Writer) (*exec.Cmd, string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(exe, "directory", "--addr", "127.0.0.1:0", "--log-level", "warn")
	cmd.Env = append(os.Environ(), adminTokenEnv+"="+token)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			// "directory: http://127.0.0.1:PORT (key set ..., CA bundle ...)"
			if rest, ok := strings.CutPrefix(sc.Text(), "directory: "); ok {
				found <- strings.Fields(rest)[0]
			}
		}
		close(found)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case base, ok := <-found:
		if ok {
			return cmd, base, nil
		}
	case <-time.After(60 * time.Second):
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return nil, "", errors.New("the directory process did not start serving within 60s")
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
