package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dcrconform/dcrconform/reports"
)

func TestReportDiff(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, specs ...reports.Spec) string {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		run := &reports.Run{Target: reports.Target{Name: "bank", Profile: "uk"}, Specs: specs}
		run.Summarize()
		if err := reports.WriteJSON(f, run); err != nil {
			t.Fatal(err)
		}
		return path
	}
	spec := func(id, outcome, actual string) reports.Spec {
		return reports.Spec{ID: id, Title: "title of " + id, Requirement: "RFC7591-3.2.1", Outcome: outcome, Actual: actual, Labels: []string{"uk"}}
	}
	old := write("old.json", spec("UK-REG-001", "passed", ""), spec("UK-REG-N01", "failed", "status 201"))
	fixedOnly := write("fixed.json", spec("UK-REG-001", "passed", ""), spec("UK-REG-N01", "passed", ""))
	regressed := write("regressed.json", spec("UK-REG-001", "failed", "status 200"), spec("UK-REG-N01", "passed", ""))
	for _, c := range []struct {
		in   string
		exit int
		says []string
	}{
		{fixedOnly, exitOK, []string{"0 newly fail", "1 fixed", "fixed          UK-REG-N01 [RFC7591-3.2.1]"}},
		{regressed, exitFailed, []string{"1 newly fail", "newly-fails    UK-REG-001", "before: passed", "now:    failed: [RFC7591-3.2.1] expected  / actual status 200"}},
	} {
		junit, html := filepath.Join(dir, "diff.xml"), filepath.Join(dir, "diff.html")
		var stdout, stderr strings.Builder
		code := runReportDiff([]string{"--base", old, "--in", c.in, "--junit", junit, "--html", html}, &stdout, &stderr)
		if code != c.exit {
			t.Fatalf("%s: exit %d, want %d\n%s%s", filepath.Base(c.in), code, c.exit, stdout.String(), stderr.String())
		}
		for _, want := range c.says {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("%s: the diff lacks %q:\n%s", filepath.Base(c.in), want, stdout.String())
			}
		}
		data, err := os.ReadFile(junit)
		var doc struct {
			Failures int `xml:"failures,attr"`
		}
		if err != nil || xml.Unmarshal(data, &doc) != nil || (doc.Failures > 0) != (c.exit == exitFailed) {
			t.Errorf("%s: JUnit %v: %d failures\n%s", filepath.Base(c.in), err, doc.Failures, data)
		}
		if page, err := os.ReadFile(html); err != nil || !strings.Contains(string(page), "UK-REG-N01") {
			t.Errorf("%s: the HTML diff lacks the change (%v)", filepath.Base(c.in), err)
		}
	}
	var stdout, stderr strings.Builder
	if code := runReportDiff([]string{"--in", old}, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "--base and --in are both required") {
		t.Errorf("without --base: exit %d, %s", code, stderr.String())
	}
}
