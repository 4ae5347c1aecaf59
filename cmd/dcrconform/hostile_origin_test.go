package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/container"
	"github.com/dcrconform/dcrconform/harness/hostile"
	"github.com/dcrconform/dcrconform/reports"
)

// The origin faults tried: a bank that works but names a URL of a second listener, and what the failed
// specs must name (besides the second listener's URL).
var originCases = []struct {
	fault     string
	mode      hostile.Mode
	discovery bool // the config gives discovery_url, and the discovery step fails
	phrases   []string
}{
	{"registration_client_uri at another origin", hostile.CrossOriginURI, false, []string{"refused to send to https://127.0.0.1:", "not one of the bank's own origins"}},
	{"registration_client_uri over plain http", hostile.PlainHTTPURI, false, []string{"refused to send to http://127.0.0.1:", "TLS required"}},
	{"discovery names endpoints at another origin over http", hostile.DiscoveryOrigin, true, []string{"refused to send to http://127.0.0.1:", "TLS required"}},
	{"registration_client_uri moved to another origin by a read or update", hostile.RotatedURI, false, []string{"refused to send to https://127.0.0.1:", "not one of the bank's own origins"}},
	{"registration_client_uri at a cloud metadata path", hostile.MetadataURI, false, []string{"refused to send to http://127.0.0.1:", hostile.MetadataPath, "TLS required"}},
	{"discovery's issuer is another origin", hostile.IssuerMismatch, true, []string{"issuer \"https://127.0.0.1:", "is not \"https://127.0.0.1:", "RFC 8414 section 3.3"}},
}

// The README's origin table sits between these markers; TestHostileOrigins writes it.
const (
	originTableBegin = "<!-- origin-table:begin (written by TestHostileOrigins; DCRCONFORM_UPDATE_README=1 regenerates it) -->"
	originTableEnd   = "<!-- origin-table:end -->"
)

// TestHostileOrigins runs the uk and rfc7591 profiles against each origin fault of harness/hostile,
// each in a child dcrconform: the second listener must get no connection at all (so no credential of
// any kind), the run must end within 2 x target.timeout + 30 s with exit 1, specs must fail naming the
// second listener's URL and the rule, and no spec the bank handed such a URL may pass. The README's origin
// table is this test's output (DCRCONFORM_UPDATE_README=1 rewrites it). DCRCONFORM_ORIGIN_BIN runs
// another dcrconform binary instead of this tree's (to measure an older one; it fails then).
func TestHostileOrigins(t *testing.T) {
	bin := os.Getenv("DCRCONFORM_ORIGIN_BIN")
	if bin == "" {
		bin = plainBinary(t)
	}
	root, err := container.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	complete := true
	for _, c := range originCases {
		var measured, received, exits []string
		message := ""
		for _, profile := range []string{"uk", "rfc7591"} {
			name := fmt.Sprintf("%s/%s", c.mode, profile)
			ran := false
			t.Run(name, func(t *testing.T) {
				srv, err := hostile.Start(c.mode, hostile.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer srv.Close()
				// Without the concurrent specs: a PUT and DELETE sent at once by one of them can be the first
				// to meet the moved URI, and its own failure then hides the refusal this test looks for.
				r := runHostileAt(t, bin, srv, profile, c.discovery, "--labels", "!concurrent")
				srv.Close() // nothing reaches the second listener after the run
				conns, reqs := srv.Other.Received()
				t.Logf("%s: the second listener got %d connections and %d requests", name, conns, len(reqs))
				received = append(received, fmt.Sprintf("%s: %d connections, %d requests", profile, conns, len(reqs)))
				checkNothingReceived(t, conns, reqs)
				if r == nil {
					return
				}
				ran = true
				measured = append(measured, fmt.Sprintf("%s: %.1f s, %d failed, %d skipped, %d passed", profile, r.elapsed.Seconds(), r.run.Summary.Failed, r.run.Summary.Skipped, r.run.Summary.Passed))
				exits = append(exits, fmt.Sprint(r.code))
				if message == "" {
					message = originFailure(r.run, c.phrases)
				}
				checkOriginRun(t, root, r, srv, c.mode, c.phrases)
				if c.discovery { // the document is refused: one failed case, nothing else run
					checkDiscoveryFailure(t, r, c.phrases)
				}
			})
			complete = complete && ran
		}
		lines = append(lines, fmt.Sprintf("| %s | `%s` | %s | %s | %s | `%s` |", c.fault, c.mode, strings.Join(measured, "<br>"),
			strings.Join(received, "<br>"), strings.Join(exits, " / "), message))
	}
	if !complete || os.Getenv("DCRCONFORM_ORIGIN_BIN") != "" {
		t.Log("not every fault ran with this tree's binary: the README's table is not checked")
		return
	}
	checkOriginTable(t, filepath.Join(root, "harness", "hostile", "README.md"), lines)
}

// checkNothingReceived: the second listener accepted no connection; a request that reached it is
// reported with every credential it carried.
func checkNothingReceived(t *testing.T, conns int, reqs []hostile.Received) {
	t.Helper()
	if conns != 0 {
		t.Errorf("the second listener accepted %d connections, want none", conns)
	}
	leaks := map[string]int{}
	for _, r := range reqs {
		if r.Header.Get("Authorization") != "" {
			leaks["an Authorization header"]++
		}
		if r.ClientCert {
			leaks["the client certificate"]++
		}
		for _, s := range []string{"hostile-initial-token", "hostile-rat-", "hostile-secret-", "hostile-access-token", "client_assertion", "software_statement", "eyJ"} {
			if strings.Contains(r.Body, s) || strings.Contains(r.URL, s) {
				leaks[s+" in the body or URL"]++
			}
		}
	}
	for what, n := range leaks {
		t.Errorf("the second listener received %s %d times", what, n)
	}
}

// checkOriginRun: exit 1 within 2 x target.timeout + 30 s, reports well-formed, at least one spec failed
// naming the second listener's URL and the rule, and no spec that the bank handed a URL of the second
// listener passed.
func checkOriginRun(t *testing.T, root string, r *measuredRun, srv *hostile.Server, mode hostile.Mode, phrases []string) {
	t.Helper()
	if r.code != exitFailed {
		t.Errorf("exit %d, want %d", r.code, exitFailed)
	}
	if limit := 2*r.timeout + 30*time.Second; r.elapsed > limit {
		t.Errorf("the run took %s, more than 2 x target.timeout + 30 s = %s", r.elapsed.Round(time.Millisecond), limit)
	}
	other := strings.TrimPrefix(srv.Other.HTTPS, "https://") // host:port, in the http URL too
	named := 0
	for _, s := range r.run.Specs {
		text := s.Reason + s.Actual
		if s.Failed() && containsAll(text, phrases) && strings.Contains(text, other) {
			named++
		}
		if s.Outcome != reports.OutcomePassed {
			continue
		}
		for _, ex := range s.Exchanges {
			if strings.Contains(ex.ResponseBody, other) {
				t.Errorf("%s passed, though the bank handed it a URL of the second listener: %s %s answered %s", s.ID, ex.Method, ex.URL, lastOf(ex.ResponseBody))
				break
			}
		}
	}
	if mode == hostile.RotatedURI { // a client moved to another origin cannot be deleted: the run says so
		left := 0
		for _, w := range r.run.Warnings {
			if strings.Contains(w.Message, other) && strings.Contains(w.Message, "not one of the bank's own origins") {
				left++
			}
		}
		if left == 0 {
			t.Errorf("no warning names a registration left behind at the second listener's URL: %+v", r.run.Warnings)
		}
		// The spec that meets the moved URI first may have skipped for a reason of its own before its
		// cleanup: then the refusal is named by its warning (a skipped spec cannot fail afterwards).
		for _, s := range r.run.Specs {
			if s.Skipped() && slices.ContainsFunc(r.run.Warnings, func(w reports.Warning) bool {
				return w.SpecID == s.ID && containsAll(w.Message, phrases) && strings.Contains(w.Message, other)
			}) {
				named++
			}
		}
	}
	if named == 0 {
		t.Errorf("no spec failed naming the second listener %s and all of %q: %+v", srv.Other.HTTPS, phrases, r.run.Summary)
	}
	checkWellFormed(t, root, r.out)
}

// originFailure is the "actual" of the first failed spec that names the rule, with ports made stable.
func originFailure(run *reports.Run, phrases []string) string {
	for _, s := range run.Specs {
		if s.Failed() && containsAll(s.Reason+s.Actual, phrases) {
			one := &reports.Run{Specs: []reports.Spec{s}}
			return strings.ReplaceAll(lastFailure(one), "`", "'")
		}
	}
	return ""
}

// checkOriginTable rewrites the README's origin table with DCRCONFORM_UPDATE_README=1; otherwise its
// fault, mode and exit columns must match the run's.
func checkOriginTable(t *testing.T, readme string, lines []string) {
	t.Helper()
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, originTableBegin), strings.Index(doc, originTableEnd)
	if i < 0 || j < i {
		t.Fatalf("harness/hostile/README.md has no origin table between %q and %q", originTableBegin, originTableEnd)
	}
	table := originTableBegin + "\n| fault | `hostile` mode | time to end, specs (uk, rfc7591) | what the second listener got (uk, rfc7591) | exit | what the report says (uk, first spec naming the rule) |\n|---|---|---|---|---|---|\n" +
		strings.Join(lines, "\n") + "\n" + originTableEnd
	if os.Getenv("DCRCONFORM_UPDATE_README") != "" {
		if err := os.WriteFile(readme, []byte(doc[:i]+table+doc[j+len(originTableEnd):]), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("harness/hostile/README.md origin table rewritten:\n%s", table)
		return
	}
	stableCells := func(line string) string {
		cells := strings.Split(line, " | ")
		if len(cells) >= 6 {
			cells[2], cells[5] = "", ""
		}
		return strings.Join(cells, " | ")
	}
	have, want := strings.Split(doc[i:j+len(originTableEnd)], "\n"), strings.Split(table, "\n")
	if len(have) != len(want) {
		t.Errorf("harness/hostile/README.md's origin table has %d lines, the run gives %d; regenerate it with DCRCONFORM_UPDATE_README=1 go test -run TestHostileOrigins ./cmd/dcrconform/\n%s", len(have), len(want), table)
		return
	}
	for k := range want {
		if stableCells(have[k]) != stableCells(want[k]) {
			t.Errorf("harness/hostile/README.md's origin table is stale; regenerate it with DCRCONFORM_UPDATE_README=1 go test -run TestHostileOrigins ./cmd/dcrconform/\nREADME: %s\nrun:    %s", have[k], want[k])
		}
	}
}
