package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dcrconform/dcrconform/harness/transcript"
	"github.com/dcrconform/dcrconform/reports"
)

func writeRunJSON(t *testing.T, dir string) string {
	t.Helper()
	run := &reports.Run{
		SchemaVersion: reports.SchemaVersion, ToolVersion: "test",
		Target:    reports.Target{Name: "defective bank", Profile: "uk", Defects: []string{"skip-ssa-signature"}},
		StartedAt: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC), DurationMS: 1500,
		Specs: []reports.Spec{{
			ID: "UK-REG-N01", Title: "An SSA whose signature does not verify is rejected", Requirement: "OBIE-DCR-3.3-SSA-SIGNATURE",
			Profile: "uk", Operation: "register", Kind: "negative", Labels: []string{"uk", "register", "negative", "UK-REG-N01"},
			Expect: "400 invalid_software_statement", Outcome: reports.OutcomeFailed,
			Reason:   "UK-REG-N01 [OBIE-DCR-3.3-SSA-SIGNATURE] An SSA whose signature does not verify is rejected\nexpected: status 400\nactual:   status 201",
			Expected: "status 400", Actual: "status 201",
			Exchanges: []transcript.Exchange{{Method: "POST", URL: "https://bank.example/register", Status: 201,
				RequestHeaders: map[string][]string{"Authorization": {"Bearer tok-SECRET-42"}}}},
		}},
	}
	run.Summarize()
	p := filepath.Join(dir, "run.json")
	if err := reports.WriteAll(run, p, "", ""); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReportRegeneratesEveryFormat(t *testing.T) {
	dir := t.TempDir()
	in := writeRunJSON(t, dir)
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	code := runReport([]string{"--in", in, "--html", filepath.Join(out, "r.html"), "--junit", filepath.Join(out, "r.xml"), "--json", filepath.Join(out, "r.json")}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "report: defective bank (profile uk; reference-bank defects: skip-ssa-signature): 1 specs, 1 failed") {
		t.Errorf("stdout = %q", stdout.String())
	}
	for name, want := range map[string]string{"r.html": "OBIE-DCR-3.3-SSA-SIGNATURE", "r.xml": `<failure message="[OBIE-DCR-3.3-SSA-SIGNATURE] expected status 400 / actual status 201"`, "r.json": `"outcome":"failed"`} {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %q", name, want)
		}
		if strings.Contains(string(data), "tok-SECRET-42") {
			t.Errorf("%s leaks the bearer token", name)
		}
	}
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	in := writeRunJSON(t, dir)
	v3 := filepath.Join(dir, "v3.json")
	if err := os.WriteFile(v3, []byte(`{"schema_version":"dcrconform.report/v3"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	html := filepath.Join(dir, "x.html")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--html", html}, exitUsage, "--in is required"},
		{[]string{"--in", in}, exitUsage, "give --html, --junit or --json"},
		{[]string{"--in", in, "--html", html, "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"--bogus"}, exitUsage, "-bogus"},
		{[]string{"--in", filepath.Join(dir, "missing.json"), "--html", html}, exitFailed, "no such file"},
		{[]string{"--in", v3, "--html", html}, exitFailed, `unsupported report schema_version "dcrconform.report/v3"`},
	} {
		var stdout, stderr bytes.Buffer
		if code := runReport(tc.args, &stdout, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.msg) {
			t.Errorf("report %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr.String(), tc.code, tc.msg)
		}
	}
	if _, err := os.Stat(html); err == nil {
		t.Error("a failed report command wrote its output")
	}
}
