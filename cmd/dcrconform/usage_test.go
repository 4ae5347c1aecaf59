package main

import (
	"bytes"
	"os/exec"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

// commands are every command and subcommand, as typed after "dcrconform".
var commands = [][]string{{"run"}, {"list"}, {"directory"}, {"bank"}, {"report"}, {"selftest"}, {"version"}, {"init"}, {"bench"}, {"report", "verify"}}

func TestHelpGoesToStdoutAndExitsZero(t *testing.T) {
	clearBankEnv(t)
	for _, cmd := range commands {
		for _, h := range []string{"-h", "--help", "-help"} {
			var stdout, stderr bytes.Buffer
			args := append(append([]string{}, cmd...), h)
			code := dispatch(args, &stdout, &stderr)
			if code != exitOK {
				t.Errorf("%v: exit %d, want 0 (stderr %q)", args, code, stderr.String())
			}
			want := "Usage: dcrconform " + strings.Join(cmd, " ")
			if !strings.HasPrefix(stdout.String(), want) {
				t.Errorf("%v: stdout does not start with %q:\n%s", args, want, stdout.String())
			}
			if stderr.Len() != 0 {
				t.Errorf("%v: stderr not empty: %q", args, stderr.String())
			}
		}
		// "dcrconform help CMD" is the same as "dcrconform CMD -h".
		var stdout, viaHelp, stderr bytes.Buffer
		dispatch(append(append([]string{}, cmd...), "-h"), &stdout, &stderr)
		if code := dispatch(append([]string{"help"}, cmd...), &viaHelp, &stderr); code != exitOK || viaHelp.String() != stdout.String() {
			t.Errorf("help %v: exit %d, output differs from %v -h", cmd, code, cmd)
		}
	}
	for _, h := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		var stdout, stderr bytes.Buffer
		if code := dispatch(h, &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), "Usage:") || stderr.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", h, code, stdout.String(), stderr.String())
		}
	}
}

func TestUnknownFlagOrCommandExitsTwoWithUsageOnStderr(t *testing.T) {
	clearBankEnv(t)
	for _, cmd := range commands {
		for _, bad := range []string{"--no-such-flag", "stray-argument"} {
			var stdout, stderr bytes.Buffer
			args := append(append([]string{}, cmd...), bad)
			if code := dispatch(args, &stdout, &stderr); code != exitUsage {
				t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
			}
			if !strings.Contains(stderr.String(), strings.TrimLeft(bad, "-")) || !strings.Contains(stderr.String(), "Usage: dcrconform "+strings.Join(cmd, " ")) {
				t.Errorf("%v: stderr lacks the error or the usage:\n%s", args, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("%v: stdout not empty: %q", args, stdout.String())
			}
		}
	}
	for _, args := range [][]string{{"no-such-command"}, {}, {"help", "no-such-command"}} {
		var stdout, stderr bytes.Buffer
		if code := dispatch(args, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "Usage:") || stdout.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout.String(), stderr.String())
		}
	}
}

// TestVersionFromBuildInfo builds the binary as go install does and checks that "dcrconform version" prints
// what the go command stamped into it: the module path, its version, and the VCS revision when the build
// had one (a checkout's .git; not a git worktree, nor GOFLAGS=-buildvcs=false).
func TestVersionFromBuildInfo(t *testing.T) {
	bin := dcrconformBinary(t)
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("dcrconform version: %v", err)
	}
	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	got := string(out)
	want := []string{"module:   github.com/dcrconform/dcrconform"}
	if m := regexp.MustCompile(`(?m)^\s+mod\s+github.com/dcrconform/dcrconform\s+(\S+)`).FindStringSubmatch(string(info)); m != nil {
		want = append(want, "dcrconform "+m[1]+"\n")
	} else {
		t.Fatalf("go version -m names no main module:\n%s", info)
	}
	if m := regexp.MustCompile(`vcs.revision=(\S+)`).FindStringSubmatch(string(info)); m != nil {
		want = append(want, "revision: "+m[1])
	} else {
		want = append(want, "revision: unknown")
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("version output lacks %q:\n%s", w, got)
		}
	}
}

func TestFormatVersion(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/dcrconform/dcrconform", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	got := formatVersion(bi)
	want := "dcrconform v1.4.0\nmodule:   github.com/dcrconform/dcrconform\nrevision: 0123456789abcdef (2026-12-01T10:00:00Z) with local changes\ngo:       go1.26.8"
	if got != want {
		t.Errorf("formatVersion =\n%s\nwant\n%s", got, want)
	}
}

func TestProcsValues(t *testing.T) {
	for _, v := range []string{"0", "-2", "many", ""} {
		var stdout, stderr bytes.Buffer
		if code := dispatch([]string{"run", "--procs", v}, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "--procs") || !strings.Contains(stderr.String(), "want auto or a number of 1 or more") {
			t.Errorf("--procs %q: exit %d, stderr %q", v, code, stderr.String())
		}
	}
	for v, want := range map[string]int{"auto": 0, "1": 1, "8": 8} {
		if n, auto, err := parseProcs(v); err != nil || n != want || auto != (v == "auto") {
			t.Errorf("parseProcs(%q) = %d, %v, %v", v, n, auto, err)
		}
	}
}

// run and report check --junit-transcripts and --html-transcripts alike, naming the flag.
func TestTranscriptFlagValues(t *testing.T) {
	for _, cmd := range [][]string{{"run"}, {"report", "--in", "x.json", "--html", "x.html"}} {
		for flag, bad := range map[string]string{"--junit-transcripts": "some", "--html-transcripts": "none"} {
			var stdout, stderr bytes.Buffer
			args := append(append([]string{}, cmd...), flag, bad)
			if code := dispatch(args, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), flag) {
				t.Errorf("%v: exit %d, stderr %q", args, code, stderr.String())
			}
		}
	}
}
