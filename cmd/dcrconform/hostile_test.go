package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dcrconform/dcrconform/harness/container"
	"github.com/dcrconform/dcrconform/harness/hostile"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/reports"
)

// hostileTimeout is target.timeout of the runs against a target that does not answer (hang, drip): short,
// so the test stays quick. The other faults are answered at once; they get a timeout a loaded CI machine
// cannot trip by accident.
const (
	hostileTimeout = time.Second
	answerTimeout  = 10 * time.Second
)

// timeoutFor is target.timeout of a run against mode.
func timeoutFor(mode hostile.Mode) time.Duration {
	if mode == hostile.Hang || mode == hostile.Drip {
		return hostileTimeout
	}
	return answerTimeout
}

// The faults tried, and what each failed spec's message must name (one of the phrases).
var hostileCases = []struct {
	fault     string
	mode      hostile.Mode
	discovery bool // the config gives discovery_url rather than the endpoints
	breaker   bool // the run must stop sending ("the target stopped answering")
	phrases   []string
}{
	{"accepts TCP, never answers", hostile.Hang, false, true, []string{"no answer within 1s"}},
	{"discovery: accepts TCP, never answers", hostile.Hang, true, false, []string{"discovery: GET", "no answer within 1s"}},
	{"headers, then the body 1 byte/s", hostile.Drip, false, true, []string{"did not arrive within 1s"}},
	{"200/201 with garbage (not JSON)", hostile.Garbage, false, false, []string{"invalid JSON at byte"}},
	{"10 MB body", hostile.Body10MB, false, false, []string{"response body too large"}},
	{"1 GB streamed body", hostile.Body1GB, false, false, []string{"response body too large"}},
	{"server certificate from an untrusted CA", hostile.UntrustedCert, false, false, []string{"TLS: the server certificate of 127.0.0.1:"}},
	{"discovery: server certificate from an untrusted CA", hostile.UntrustedCert, true, false, []string{"TLS: the server certificate of 127.0.0.1:"}},
	{"server certificate for another host", hostile.WrongHost, false, false, []string{"TLS: the server certificate of 127.0.0.1:", "bank.example"}},
	{"redirect loop", hostile.RedirectLoop, false, false, []string{"redirect refused"}},
	{"redirect to another host", hostile.RedirectAway, false, false, []string{"redirect refused to https://attacker.example/"}},
	{"connection reset mid-response", hostile.Reset, false, false, []string{"the connection broke after"}},
	{"JSON nested 100,000 deep", hostile.DeepJSON, false, false, []string{"nested deeper than 32 levels"}},
	{"discovery names ports where nothing listens", hostile.DeadEndpoints, true, true, []string{"connection refused"}},
	{"201 with client_id a number, redirect_uris a string", hostile.WrongTypes, false, false, []string{"client_id is a number (12345), not a string"}},
	{"1 MB of response headers", hostile.HugeHeaders, false, false, []string{"response headers larger than 65536 bytes"}},
	{"1 MB of response headers over HTTP/2", hostile.HugeHeadersH2, false, false, []string{"response headers over the harness's 65536-byte cap"}},
	{"500 with an error body", hostile.Status500, false, false, []string{"status 500"}},
	{"503 with Retry-After", hostile.Status503, false, false, []string{"Retry-After: 120"}},
}

type measuredRun struct {
	timeout time.Duration // target.timeout of the run
	code    int
	elapsed time.Duration
	peakMB  float64
	run     *reports.Run
	out     string
}

// TestHostileTargets runs the uk and rfc7591 profiles against every fault of harness/hostile, each in a
// child dcrconform (built without -race, so that time and peak memory are what a user meets). Every
// spec that reached the target must fail naming the fault; none may pass, or be skipped as
// inconclusive; the run ends within 2 x target.timeout + 30 s and under 200 MB; all three reports are
// written and well-formed. The README's fault table is this test's output
// (DCRCONFORM_UPDATE_README=1 rewrites it; otherwise its exit codes and messages must match).
func TestHostileTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("integration tier (needs whole runs of the built binary); go test -short leaves it out")
	}
	bin := plainBinary(t)
	root, err := container.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	var rows []faultRow
	complete := true
	for _, c := range hostileCases {
		row := faultRow{fault: c.fault, mode: string(c.mode), phrases: c.phrases}
		for _, profile := range []string{"uk", "rfc7591"} {
			name := fmt.Sprintf("%s/%s", c.mode, profile)
			if c.discovery {
				name += "/discovery"
			}
			ran := false
			t.Run(name, func(t *testing.T) {
				r := runHostile(t, bin, c.mode, profile, c.discovery)
				if r == nil {
					return
				}
				ran = true
				row.add(profile, r)
				checkHostileRun(t, root, r, c.mode, c.breaker, c.phrases)
				if c.discovery && c.mode != hostile.DeadEndpoints {
					checkDiscoveryFailure(t, r, c.phrases)
				}
			})
			complete = complete && ran
		}
		rows = append(rows, row)
	}
	if !complete {
		t.Log("not every fault ran (-run selected some, or a run failed): the README's table is not checked")
		return
	}
	checkFaultTable(t, filepath.Join(root, "harness", "hostile", "README.md"), rows)
}

// runHostile runs one profile against one fault and returns what it did.
func runHostile(t *testing.T, bin string, mode hostile.Mode, profile string, discovery bool) *measuredRun {
	srv, err := hostile.Start(mode, hostile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	return runHostileAt(t, bin, srv, profile, discovery)
}

// runHostileAt runs one profile against a running hostile target and returns what it did.
func runHostileAt(t *testing.T, bin string, srv *hostile.Server, profile string, discovery bool, extra ...string) *measuredRun {
	mode := srv.Mode
	dir := t.TempDir()
	cfg := writeHostileConfig(t, dir, srv, profile, discovery)
	out := filepath.Join(dir, "out")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := append([]string{"run", "--config", cfg, "--no-color", "-v=false",
		"--junit", filepath.Join(out, "junit.xml"), "--json", filepath.Join(out, "run.json"), "--html", filepath.Join(out, "run.html")}, extra...)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	parentHWM := vmHWM("self")
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	polled := make(chan [2]int64)
	go pollHWM(cmd.Process.Pid, polled)
	err := cmd.Wait()
	r := &measuredRun{elapsed: time.Since(start), out: out, timeout: timeoutFor(mode)}
	peaks := <-polled
	peak := peaks[0]
	if cmd.ProcessState == nil {
		t.Errorf("%s/%s: %v", mode, profile, err)
		return nil
	}
	r.code = cmd.ProcessState.ExitCode()
	// Linux's Maxrss of a child starts at its parent's high-water mark (exec records the shared address
	// space's), so it is the child's own peak only when above the parent's; else the polled peak counts.
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > parentHWM {
		peak = ru.Maxrss
	}
	r.peakMB = float64(max(peak, peaks[1])) / 1024 // with --procs auto's children, when there were any
	f, err := os.Open(filepath.Join(out, "run.json"))
	if err != nil {
		t.Errorf("%s/%s: exit %d, no JSON report: %v\n%s%s", mode, profile, r.code, err, lastOf(stdout.String()), lastOf(stderr.String()))
		return nil
	}
	defer f.Close()
	if r.run, err = reports.ReadJSON(f); err != nil {
		t.Errorf("%s/%s: JSON report: %v", mode, profile, err)
		return nil
	}
	return r
}

func lastOf(s string) string {
	if len(s) > 3000 {
		return "…" + s[len(s)-3000:]
	}
	return s
}

func checkHostileRun(t *testing.T, root string, r *measuredRun, mode hostile.Mode, breaker bool, phrases []string) {
	if r.code != exitFailed {
		t.Errorf("exit %d, want %d", r.code, exitFailed)
	}
	if limit := 2*r.timeout + 30*time.Second; r.elapsed > limit {
		t.Errorf("the run took %s, more than 2 x target.timeout + 30 s = %s", r.elapsed.Round(time.Millisecond), limit)
	}
	if r.peakMB >= 200 {
		t.Errorf("peak RSS %.0f MB, want under 200 MB", r.peakMB)
	}
	failed, stopped := 0, 0
	for _, s := range r.run.Specs {
		switch {
		case s.Outcome == reports.OutcomePassed && mode == hostile.DeadEndpoints && s.Operation == "discovery":
			// The document is valid (only the endpoints it names are dead): a spec of it alone may pass.
		case s.Outcome == reports.OutcomePassed && s.Operation == "discovery" && len(s.Exchanges) == 0:
			// A probe of the TLS handshake alone (UK-DISC-N01: TLS 1.1 refused) sends no HTTP request, and
			// every fault here lies above the handshake: the target's TLS stack may rightly pass it.
		case s.Outcome == reports.OutcomePassed:
			t.Errorf("%s passed against a hostile target", s.ID)
		case s.Failed():
			failed++
			if strings.Contains(s.Reason, "not run: the target stopped answering at ") {
				stopped++
			}
			if !containsAll(s.Reason, phrases) {
				t.Errorf("%s failed without naming the fault (all of %q):\n%s", s.ID, phrases, s.Reason)
			}
		case s.Skipped():
			// One deviation, one failure: a spec may skip once it reached the target when its check does
			// not apply to what the bank answered (RFC-REG-003 without credentials in the answer), never
			// as inconclusive while the fault is named by no failure.
			if strings.Contains(s.Reason, "inconclusive") || (len(s.Exchanges) > 0 && failed == 0 && s.ID != "RFC-REG-003") {
				t.Errorf("%s reached the target and was skipped: %s", s.ID, s.Reason)
			}
		}
	}
	if failed == 0 {
		t.Errorf("no spec failed: %+v", r.run.Summary)
	}
	if breaker && stopped == 0 {
		t.Errorf("no spec was stopped with \"not run: the target stopped answering\"")
	}
	checkWellFormed(t, root, r.out)
}

// checkDiscoveryFailure: a discovery document that cannot be fetched is one failed case, in the JSON
// report and in JUnit, naming the fault.
func checkDiscoveryFailure(t *testing.T, r *measuredRun, phrases []string) {
	t.Helper()
	if len(r.run.Specs) != 1 || r.run.Specs[0].ID != "TARGET-DISCOVERY" || !r.run.Specs[0].Failed() {
		t.Fatalf("JSON report: %+v, want the one failed case TARGET-DISCOVERY", r.run.Summary)
	}
	cases := readJUnit(t, filepath.Join(r.out, "junit.xml"))
	failed := 0
	for _, c := range cases {
		if c.Failure != nil && containsAll(c.Failure.Message+c.Failure.Text, phrases) {
			failed++
		}
	}
	if len(cases) != 1 || failed != 1 {
		t.Errorf("JUnit: %d cases, %d failed naming %q; want one", len(cases), failed, phrases)
	}
}

func containsAll(s string, phrases []string) bool {
	for _, p := range phrases {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// checkWellFormed validates the JUnit report against the Jenkins JUnit schema and parses the HTML.
func checkWellFormed(t *testing.T, root, out string) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is missing (apt-get install -y libxml2-utils)")
	}
	xsd := filepath.Join(root, "reports", "testdata", "junit-jenkins.xsd")
	if b, err := exec.Command(bin, "--noout", "--nonet", "--schema", xsd, filepath.Join(out, "junit.xml")).CombinedOutput(); err != nil {
		t.Errorf("JUnit report does not validate: %v\n%s", err, b)
	}
	html, err := os.ReadFile(filepath.Join(out, "run.html"))
	if err != nil || !utf8.Valid(html) || !bytes.HasSuffix(bytes.TrimSpace(html), []byte("</html>")) {
		t.Errorf("HTML report missing, not UTF-8 or cut short: %v", err)
	}
	// libxml2's HTML parser knows HTML 4 only: it calls <main>, <details> and the like "invalid"; any
	// other complaint is a real one.
	b, _ := exec.Command(bin, "--html", "--noout", "--nonet", filepath.Join(out, "run.html")).CombinedOutput()
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, " error : ") && !html5Tag.MatchString(line) {
			t.Errorf("HTML report: %s", line)
		}
	}
}

var html5Tag = regexp.MustCompile(`HTML parser error : Tag [a-z]+ invalid$`)

// writeHostileConfig writes a config of profile for srv: the endpoints (or discovery), the CA, a 1 s
// timeout; for uk a fixed software identity (keys, certificate, SSA) of its own.
func writeHostileConfig(t testing.TB, dir string, srv *hostile.Server, profile string, discovery bool) string {
	t.Helper()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca.pem", srv.CAPEM)
	endpoints := fmt.Sprintf("  registration_endpoint: %s/register\n  token_endpoint: %s/token\n  issuer: %s\n", srv.URL, srv.URL, srv.URL)
	if discovery {
		endpoints = fmt.Sprintf("  discovery_url: %s%s\n", srv.URL, hostile.DiscoveryPath)
	}
	cfg := fmt.Sprintf("profile: %s\ntarget:\n  name: hostile %s\n%s  ca_bundle: ca.pem\n  timeout: %s\n", profile, srv.Mode, endpoints, timeoutFor(srv.Mode))
	if profile == "rfc7591" {
		cfg += "overrides:\n  initial_access_token: hostile-initial-token\n"
	} else {
		ca, err := pki.NewCA("hostile software")
		if err != nil {
			t.Fatal(err)
		}
		cfg += writeFixedSoftware(t, ca, write)
	}
	write("bank.yaml", []byte(cfg))
	return filepath.Join(dir, "bank.yaml")
}

var portRE = regexp.MustCompile(`127\.0\.0\.1:\d+`)

// vmHWM is a process's peak resident set size in kB (VmHWM in /proc/<pid>/status); 0 when unknown.
func vmHWM(pid string) int64 { return vmStatus(pid, "VmHWM:") }

// vmStatus is a kB figure (field "VmHWM:", "VmRSS:") of /proc/<pid>/status; 0 when unknown.
func vmStatus(pid, field string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return kb
		}
	}
	return 0
}

// pollHWM reads, every 10 ms until the process has exited, its peak RSS (VmHWM) and the resident memory
// of it and every process it started (run --procs children) at once (the sum of their VmRSS), and sends
// the highest of each.
func pollHWM(pid int, out chan<- [2]int64) {
	var own, tree int64
	for {
		kb := vmStatus(fmt.Sprint(pid), "VmHWM:")
		if kb == 0 {
			out <- [2]int64{own, tree}
			return
		}
		own = max(own, kb)
		sum := vmStatus(fmt.Sprint(pid), "VmRSS:")
		for _, c := range descendantsOf(pid) {
			sum += vmStatus(fmt.Sprint(c), "VmRSS:")
		}
		tree = max(tree, sum)
		time.Sleep(10 * time.Millisecond)
	}
}

// descendantsOf lists the processes below pid, from /proc/<pid>/task/*/children.
func descendantsOf(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(b)) {
			var c int
			if _, err := fmt.Sscan(field, &c); err == nil {
				out = append(out, c)
				out = append(out, descendantsOf(c)...)
			}
		}
	}
	return out
}
