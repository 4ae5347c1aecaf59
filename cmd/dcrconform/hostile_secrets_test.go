package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/hostile"
	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Secrets the configs of these tests plant, with the characters URL-encoding, base64 and JSON
// escaping change.
const (
	plantedInitialToken = "Hostile/Initial+Token=0042"
	plantedBasicUser    = "hostile-admin"
	plantedBasicPass    = "Hostile/Basic+Pass=0042"
)

// hostileOutputs is what one run printed and wrote.
type hostileOutputs struct {
	console []byte
	files   map[string][]byte // junit.xml, run.json, run.html
	code    int
}

func (o hostileOutputs) all() map[string][]byte {
	m := map[string][]byte{"console": o.console}
	for k, v := range o.files {
		m[k] = v
	}
	return m
}

// writeSecretsConfig writes a config for srv with profile's planted credentials.
func writeSecretsConfig(t testing.TB, dir string, srv *hostile.Server, profile string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), srv.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if profile == "uk" { // a fixed software identity of its own
		return writeHostileConfig(t, dir, srv, profile, false)
	}
	cfg := fmt.Sprintf("profile: %s\ntarget:\n  name: hostile %s\n  registration_endpoint: %s/register\n  token_endpoint: %s/token\n  issuer: %s\n  ca_bundle: ca.pem\n  timeout: %s\n",
		profile, srv.Mode, srv.URL, srv.URL, srv.URL, answerTimeout)
	switch profile {
	case "rfc7591":
		cfg += "overrides:\n  initial_access_token: " + plantedInitialToken + "\n"
	case "is":
		cfg += "directory:\n  listen: 127.0.0.1:0\noverrides:\n  basic_user: " + plantedBasicUser + "\n  basic_password: " + plantedBasicPass + "\n"
	}
	path := filepath.Join(dir, "bank.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runSecrets runs profile against srv in a child dcrconform with extra flags and returns its outputs.
func runSecrets(t *testing.T, srv *hostile.Server, profile string, extra ...string) hostileOutputs {
	t.Helper()
	dir := t.TempDir()
	cfg := writeSecretsConfig(t, dir, srv, profile)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := append([]string{"run", "--config", cfg, "-v=false", "--junit", filepath.Join(dir, "junit.xml"),
		"--json", filepath.Join(dir, "run.json"), "--html", filepath.Join(dir, "run.html")}, extra...)
	cmd := exec.CommandContext(ctx, plainBinary(t), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run()
	o := hostileOutputs{console: out.Bytes(), files: map[string][]byte{}, code: cmd.ProcessState.ExitCode()}
	for _, f := range []string{"junit.xml", "run.json", "run.html"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("exit %d, %s not written: %v\n%s", o.code, f, err, lastOf(out.String()))
		}
		o.files[f] = b
	}
	return o
}

// secretForms are the forms of a secret none of the outputs may hold (compared ignoring ASCII case).
func secretForms(sec string) []string {
	j, _ := json.Marshal(sec)
	js := string(j[1 : len(j)-1])
	return []string{sec, url.QueryEscape(sec), url.PathEscape(sec), base64.StdEncoding.EncodeToString([]byte(sec)),
		base64.RawURLEncoding.EncodeToString([]byte(sec)), js, strings.ReplaceAll(js, "/", `\/`),
		strings.ReplaceAll(sec, "/", `\/`)}
}

// TestHostileEchoedSecretsNeverPrinted: a bank that echoes every credential it receives or issues
// (error_description, a JSON key, ordinary headers; raw, upper case, URL-encoded, base64, JSON-escaped)
// gets none of them into the console, JUnit, JSON or HTML: not the configured initial access token,
// Basic password or Basic credentials, not a registration access token, client secret, access token
// or the signature of a client assertion.
func TestHostileEchoedSecretsNeverPrinted(t *testing.T) {
	for _, profile := range []string{"rfc7591", "is"} {
		t.Run(profile, func(t *testing.T) {
			srv, err := hostile.Start(hostile.EchoSecrets, hostile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			o := runSecrets(t, srv, profile, "--no-color")
			secrets := []string{plantedInitialToken, plantedBasicPass,
				base64.StdEncoding.EncodeToString([]byte(plantedBasicUser + ":" + plantedBasicPass))}
			secrets = append(secrets, srv.Issued()...)
			for _, r := range srv.Received() {
				if parts := strings.Split(r, "."); len(parts) == 3 && strings.HasPrefix(r, "eyJ") {
					r = parts[2] // an assertion: its signature is the secret
				}
				secrets = append(secrets, r)
			}
			if len(srv.Received()) == 0 || len(srv.Issued()) == 0 {
				t.Fatalf("the target received %d credentials and issued %d secrets: the run did not reach it", len(srv.Received()), len(srv.Issued()))
			}
			leaks := 0
			for name, out := range o.all() {
				text := strings.ToLower(string(out))
				for _, sec := range secrets {
					if len(sec) < transcript.MinSecretLen {
						continue
					}
					for _, f := range secretForms(sec) {
						if n := strings.Count(text, strings.ToLower(f)); n > 0 {
							leaks += n
							if leaks < 10 {
								i := strings.Index(text, strings.ToLower(f))
								t.Errorf("%s holds %q (%d times): …%s…", name, f, n, out[max(0, i-120):min(len(out), i+len(f)+40)])
							}
						}
					}
				}
			}
			t.Logf("%s: %d secrets planted or issued, %d found in the outputs", profile, len(secrets), leaks)
		})
	}
}

// TestHostileHugeClientID: a 1,000,000-byte client_id, put by the harness in its request URLs, ends
// the run with every report under 5 MB and the client_id nowhere whole. (Time and memory of this run
// are measured by BenchmarkHugeClientIDRun.)
func TestHostileHugeClientID(t *testing.T) {
	for _, profile := range []string{"rfc7591", "uk"} {
		t.Run(profile, func(t *testing.T) {
			srv, err := hostile.Start(hostile.HugeClientID, hostile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			start := time.Now()
			o := runSecrets(t, srv, profile, "--no-color")
			t.Logf("%s: %s", profile, time.Since(start).Round(time.Millisecond))
			if o.code != exitFailed {
				t.Errorf("exit %d, want %d", o.code, exitFailed)
			}
			long := strings.Repeat("c", 64<<10)
			for name, out := range o.all() {
				if len(out) >= 5<<20 {
					t.Errorf("%s: %d bytes, want under 5 MB", name, len(out))
				}
				if bytes.Contains(out, []byte(long)) {
					t.Errorf("%s holds 64 KiB of the client_id: it is not cut", name)
				}
			}
		})
	}
}

// BenchmarkHugeClientIDRun times a run of each profile against the 1 MB client_id and reports its peak
// memory and the size of its largest report (issue: under 30 s and 200 MB, reports under 5 MB).
// DCRCONFORM_HUGE_BIN names another dcrconform binary to measure (a build from before a change).
func BenchmarkHugeClientIDRun(b *testing.B) {
	bin := os.Getenv("DCRCONFORM_HUGE_BIN")
	if bin == "" {
		bin = plainBinary(b)
	}
	for _, profile := range []string{"rfc7591", "uk"} {
		b.Run(profile, func(b *testing.B) {
			for range b.N {
				srv, err := hostile.Start(hostile.HugeClientID, hostile.Options{})
				if err != nil {
					b.Fatal(err)
				}
				dir := b.TempDir()
				cfg := writeSecretsConfig(b, dir, srv, profile)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
				cmd := exec.CommandContext(ctx, bin, "run", "--config", cfg, "--no-color", "-v=false", "--junit", filepath.Join(dir, "j.xml"),
					"--json", filepath.Join(dir, "r.json"), "--html", filepath.Join(dir, "r.html"))
				start := time.Now()
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				polled := make(chan [2]int64) // the child's own VmHWM: its Maxrss starts at this process's
				go pollHWM(cmd.Process.Pid, polled)
				_ = cmd.Wait()
				cancel()
				b.ReportMetric(time.Since(start).Seconds(), "s/run")
				b.ReportMetric(float64((<-polled)[0])/1024, "peakMB")
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
					b.ReportMetric(float64(ru.Utime.Sec)+float64(ru.Utime.Usec)/1e6, "cpu-s/run")
				}
				largest := 0
				for _, f := range []string{"j.xml", "r.json", "r.html"} {
					if st, err := os.Stat(filepath.Join(dir, f)); err == nil {
						largest = max(largest, int(st.Size()))
					}
				}
				b.ReportMetric(float64(largest)/(1<<20), "reportMB")
				srv.Close()
			}
		})
	}
}

// TestHostileControlBytesInIDs: ESC, BEL, CR and U+202E in a bank's client_id reach the console
// escaped, in the cleanup warning too, with colours on or off and with --procs; no colour code is
// printed as text, and none is written to a pipe.
func TestHostileControlBytesInIDs(t *testing.T) {
	srv, err := hostile.Start(hostile.ControlIDs, hostile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, flags := range [][]string{{"--no-color"}, {"--procs", "1"}, {"--procs", "2"}, {"--procs", "2", "--no-color"}} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			o := runSecrets(t, srv, "rfc7591", flags...)
			for _, c := range []string{"\x1b", "\x07", "\r", "\u202e"} {
				if n := bytes.Count(o.console, []byte(c)); n > 0 {
					t.Errorf("the console holds %d raw %q", n, c)
				}
			}
			if !bytes.Contains(o.console, []byte(`warning: `)) || !bytes.Contains(o.console, []byte(`ctl-\x1b[2J\x1b]0;pwned\x07\x0d`)) {
				t.Errorf("no escaped cleanup warning naming the client_id:\n%s", lastOf(string(o.console)))
			}
			// Ginkgo's colours, escaped as text: \x1b[38;5;9m, \x1b[0m, \x1b[1m.
			for _, code := range []string{`\x1b[0m`, `\x1b[1m`, `\x1b[38;5;`} {
				if bytes.Contains(o.console, []byte(code)) {
					t.Errorf("a colour code printed as text: %s", code)
				}
			}
		})
	}
}

// TestSignalEndsRunWithReports: SIGTERM or SIGINT to a run waiting on a bank that never answers
// ends it well before the request's timeout, with the reports of what ran written.
func TestSignalEndsRunWithReports(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			srv, err := hostile.Start(hostile.Hang, hostile.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			dir := t.TempDir()
			cfg := writeSecretsConfig(t, dir, srv, "rfc7591")
			cfgText, _ := os.ReadFile(cfg)
			_ = os.WriteFile(cfg, bytes.Replace(cfgText, []byte("timeout: "+answerTimeout.String()), []byte("timeout: 2m"), 1), 0o600)
			cmd := exec.Command(plainBinary(t), "run", "--config", cfg, "--no-color", "--procs", "1",
				"--junit", filepath.Join(dir, "junit.xml"), "--json", filepath.Join(dir, "run.json"))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waited := make(chan error, 1)
			go func() { waited <- cmd.Wait() }()
			time.Sleep(2 * time.Second) // the first spec's request is waiting on the target
			sent := time.Now()
			_ = cmd.Process.Signal(sig)
			select {
			case <-waited:
			case <-time.After(time.Minute):
				_ = cmd.Process.Kill()
				t.Fatalf("the run did not end within a minute of %s (its request timeout is 2 minutes)\n%s", sig, lastOf(out.String()))
			}
			t.Logf("%s: the run ended %s after the signal", sig, time.Since(sent).Round(time.Millisecond))
			for _, f := range []string{"junit.xml", "run.json"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("%s not written after %s: %v\n%s", f, sig, err, lastOf(out.String()))
				}
			}
		})
	}
}
