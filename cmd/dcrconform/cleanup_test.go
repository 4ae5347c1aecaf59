package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

// A bank that rotates the registration access token on every read and update (RFC 7592 allows it)
// has every registration of the run deleted: the cleanup follows the latest token, and the embedded
// bank, which knows what it holds, confirms that nothing was left.
func TestCleanupFollowsRotatedRegistrationTokens(t *testing.T) {
	r := runChild(t, plainBinary(t), "--profile", "rfc7591", "--bank-choice", "registration-token=on-read-and-update")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if len(r.specs(types.SpecStatePassed)) == 0 {
		t.Fatal("no spec passed")
	}
	if strings.Contains(r.stdout, "dcrconform: warning:") { // a leak, not a spec's SHOULD warning
		t.Fatalf("the run left registrations behind:\n%s", r.stdout)
	}
	// The other profiles' specs are not selected: counted apart, not as skipped.
	m := regexp.MustCompile(`(\d+) specs selected: (\d+) passed, 0 failed, 0 skipped \((\d+) not selected by this run\)`).FindStringSubmatch(r.stdout)
	if m == nil || m[1] != m[2] || m[3] == "0" || len(r.specs(types.SpecStatePassed)) != atoi(m[2]) {
		t.Errorf("the run's tally does not count the rfc7591 specs apart from the unselected ones (%v):\n%s", m, r.stdout)
	}
}

// A registration whose DELETE is refused (401) is not counted as gone: the run and each report warn
// with its client_id. The defect answers a PUT with a new registration access token but honours only
// the old one, so the cleanup's DELETE with the answered token is refused.
func TestUndeletedRegistrationIsReported(t *testing.T) {
	dir := t.TempDir()
	jsonPath, junitPath, htmlPath := filepath.Join(dir, "run.json"), filepath.Join(dir, "junit.xml"), filepath.Join(dir, "run.html")
	r := runChild(t, plainBinary(t), "--defect", "rfc7592-rotate-without-storing", "--focus", "RFC-PUT-002",
		"--json", jsonPath, "--junit", junitPath, "--html", htmlPath)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (RFC-PUT-002 catches the defect)\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	run := readRunRecord(t, jsonPath)
	if len(run.Warnings) != 1 {
		t.Fatalf("warnings = %+v, want the one registration of RFC-PUT-002\n%s", run.Warnings, r.stdout)
	}
	w := run.Warnings[0]
	if w.SpecID != "RFC-PUT-002" || w.ClientID == "" || !strings.Contains(w.Message, "status 401") {
		t.Fatalf("warning = %+v, want RFC-PUT-002, a client_id and the DELETE's 401", w)
	}
	if !strings.Contains(r.stdout, "warning: RFC-PUT-002: registration "+w.ClientID+" was left on the target") {
		t.Errorf("the run's output does not warn about %s:\n%s", w.ClientID, r.stdout)
	}
	if strings.Contains(r.stdout, "still holds") {
		t.Errorf("the embedded bank holds a registration that no warning reported:\n%s", r.stdout)
	}
	for path, want := range map[string]string{junitPath: "<system-err><![CDATA[warning: RFC-PUT-002: registration " + w.ClientID, htmlPath: "<code>" + w.ClientID + "</code> could not be deleted"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not hold %q", filepath.Base(path), want)
		}
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
