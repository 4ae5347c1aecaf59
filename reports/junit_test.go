package reports

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	junit "github.com/joshdk/go-junit"
)

func junitBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJUnit(&b, FromGinkgo(syntheticReport(), testMeta())); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// xmllint validates doc against the Jenkins JUnit schema in testdata; its absence fails the test.
func xmllint(t *testing.T, doc []byte) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is missing: the JUnit report is validated against a JUnit XSD with it; install it with apt-get install -y libxml2-utils")
	}
	p := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(p, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--noout", "--nonet", "--schema", filepath.Join("testdata", "junit-jenkins.xsd"), p).CombinedOutput()
	return string(out), err
}

func TestJUnitValidatesAgainstTheJenkinsSchema(t *testing.T) {
	if out, err := xmllint(t, junitBytes(t)); err != nil {
		t.Fatalf("the JUnit report does not validate: %v\n%s", err, out)
	}
	// The schema is strict enough to catch a bad report.
	bad := strings.Replace(string(junitBytes(t)), `<testcase name="[UK-REG-N01]`, `<testcase time="fast" name="[UK-REG-N01]`, 1)
	if out, err := xmllint(t, []byte(bad)); err == nil {
		t.Errorf("a report with time=\"fast\" validates: %s", out)
	}
}

// github.com/joshdk/go-junit, a widely used JUnit parser, reads what the report says.
func TestJUnitReadsBackWithGoJUnit(t *testing.T) {
	suites, err := junit.Ingest(junitBytes(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	tests := map[string]junit.Test{}
	props := map[string]string{}
	for _, s := range suites {
		names = append(names, s.Name)
		for _, tc := range s.Tests {
			tests[tc.Name] = tc
		}
		for k, v := range s.Properties {
			props[k] = v
		}
	}
	if got := strings.Join(names, " "); got != "uk/register uk/token uk/read uk/update uk/suite" {
		t.Errorf("suites = %s", got)
	}
	n01 := tests["[UK-REG-N01] An SSA whose signature does not verify is rejected"]
	if n01.Status != junit.StatusFailed || n01.Classname != "uk.register" ||
		n01.Message != `[OBIE-DCR-3.3-SSA-SIGNATURE] expected status 400 with error "invalid_software_statement" / actual status 201` {
		t.Errorf("UK-REG-N01 = %+v", n01)
	}
	if n01.Error == nil || !strings.Contains(n01.Error.Error(), "actual:   status 201") {
		t.Errorf("UK-REG-N01 failure text = %v", n01.Error)
	}
	if !strings.Contains(n01.SystemOut, `"software_id": "sw-ABC123"`) {
		t.Errorf("UK-REG-N01 system-out lacks the decoded SSA:\n%s", n01.SystemOut)
	}
	if tc := tests["[UK-REG-N05] A revoked software is rejected"]; tc.Status != junit.StatusSkipped || !strings.Contains(tc.Message, "fixed SSA") {
		t.Errorf("skipped spec = %+v", tc)
	}
	if tc := tests["[UK-READ-N01] Reading a registration without a token is refused"]; tc.Status != junit.StatusError {
		t.Errorf("panicked spec = %+v", tc)
	}
	if tc := tests["[UK-REG-P01] A valid registration request is accepted"]; tc.Status != junit.StatusPassed || tc.Duration.Milliseconds() != 20 {
		t.Errorf("passed spec = %+v", tc)
	}
	if props["UK-REG-N01.requirement"] != "OBIE-DCR-3.3-SSA-SIGNATURE" || props["UK-REG-N01.labels"] != "uk,register,negative,UK-REG-N01" ||
		props["UK-REG-N01.expect"] != "400 invalid_software_statement" || props["UK-REG-N01.kind"] != "negative" {
		t.Errorf("suite properties = %v", props)
	}
	total := junit.Totals{}
	for _, s := range suites {
		total.Tests += s.Totals.Tests
		total.Failed += s.Totals.Failed
		total.Error += s.Totals.Error
		total.Skipped += s.Totals.Skipped
	}
	if total.Tests != 7 || total.Failed != 3 || total.Error != 1 || total.Skipped != 2 { // UK-DEL-P01, not selected, is left out
		t.Errorf("totals = %+v", total)
	}
}

func TestXMLTextEscapesWhatXMLCannotCarry(t *testing.T) {
	if got := xmlText("a\x00b\x1bc\td\n\xff"); got != `a\x00b\x1bc`+"\td\n"+`\xff` {
		t.Errorf("xmlText = %q", got)
	}
	r := FromGinkgo(syntheticReport(), testMeta())
	r.Specs[1].Reason += "\x00 ]]> \x07"
	var b bytes.Buffer
	if err := WriteJUnit(&b, r); err != nil {
		t.Fatal(err)
	}
	if out, err := xmllint(t, b.Bytes()); err != nil {
		t.Errorf("control characters and ]]> break the report: %v\n%s", err, out)
	}
}

// By default only failed specs carry their transcript; "all" and "none" give every spec's or none.
func TestJUnitTranscriptsOption(t *testing.T) {
	outs := map[string]map[string]string{}
	for _, mode := range []string{"", TranscriptsAll, TranscriptsNone} {
		var b bytes.Buffer
		if err := WriteJUnitWith(&b, FromGinkgo(syntheticReport(), testMeta()), JUnitOptions{Transcripts: mode}); err != nil {
			t.Fatal(err)
		}
		if out, err := xmllint(t, b.Bytes()); err != nil {
			t.Fatalf("%q: the JUnit report does not validate: %v\n%s", mode, err, out)
		}
		suites, err := junit.Ingest(b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		outs[mode] = map[string]string{}
		for _, s := range suites {
			for _, tc := range s.Tests {
				outs[mode][tc.Name] = tc.SystemOut
			}
		}
	}
	const passed, failed = "[UK-REG-P01] A valid registration request is accepted", "[UK-REG-N01] An SSA whose signature does not verify is rejected"
	if outs[""][passed] != "" || !strings.Contains(outs[""][failed], "sw-ABC123") {
		t.Errorf("default: passed spec's system-out %q, failed spec's %q", outs[""][passed], outs[""][failed])
	}
	if outs[TranscriptsAll][passed] == "" || outs[TranscriptsAll][failed] == "" {
		t.Errorf("all: a spec lacks its transcript: %v", outs[TranscriptsAll])
	}
	for name, out := range outs[TranscriptsNone] {
		if out != "" {
			t.Errorf("none: %s carries %q", name, out)
		}
	}
	if err := WriteJUnitWith(&bytes.Buffer{}, FromGinkgo(syntheticReport(), testMeta()), JUnitOptions{Transcripts: "passed"}); err == nil {
		t.Error("an unknown transcripts value was accepted")
	}
}
