package reports

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// A real Ginkgo run whose specs attach entries the way suites/framework does, to check FromGinkgo's
// assumptions about the in-process report: entry values, filtered specs, skips before the scenario.

var realRun struct {
	report types.Report
	dir    string
}

func conformanceIt(sc scenario, body func(rec *transcript.Recorder)) {
	ginkgo.It(sc.text(), ginkgo.Label(sc.labels()...), func() {
		ginkgo.AddReportEntry(entryScenario, sc, ginkgo.ReportEntryVisibilityNever)
		rec := &transcript.Recorder{}
		ginkgo.DeferCleanup(func() {
			ginkgo.AddReportEntry(entryTranscript, rec.Exchanges(), ginkgo.ReportEntryVisibilityNever)
		})
		body(rec)
	})
}

var _ = ginkgo.Describe("reports self-check", func() {
	ginkgo.Context("register", func() {
		conformanceIt(scRegP01, func(rec *transcript.Recorder) {
			rec.Add(transcript.Exchange{Method: "POST", URL: "https://bank.example/register", Status: 201,
				ResponseBody: `{"client_id":"c","client_secret":"` + secClientSecret + `"}`})
			ginkgo.AddReportEntry(entryNote, "UK-REG-P01: set-up: the token request was answered 201, not 200", ginkgo.ReportEntryVisibilityAlways)
		})
		conformanceIt(scRegN01, func(rec *transcript.Recorder) {
			rec.Add(transcript.Exchange{Method: "POST", URL: "https://bank.example/register", Status: 201,
				RequestHeaders: map[string][]string{"Authorization": {"Bearer " + secBearer}}})
			ginkgo.AddReportEntry(entryBreach, []int{0}, ginkgo.ReportEntryVisibilityNever)
			ginkgo.Fail("UK-REG-N01 [OBIE-DCR-3.3-SSA-SIGNATURE] An SSA whose signature does not verify is rejected\n" +
				"expected: status 400 with error \"invalid_software_statement\"\nactual:   status 201\n" +
				"request:  POST https://bank.example/register Authorization: Bearer " + secBearer)
		})
	})
	ginkgo.Context("update", func() {
		ginkgo.BeforeEach(func() { ginkgo.Skip("the bank does not support update") })
		conformanceIt(scUpdP01, func(*transcript.Recorder) {})
	})
	conformanceIt(scDelP01, func(*transcript.Recorder) {}) // filtered out
})

type fakeT struct{ failed bool }

func (t *fakeT) Fail() { t.failed = true }

func TestReportsFromARealGinkgoRun(t *testing.T) {
	realRun.dir = t.TempDir()
	ginkgo.ReportAfterSuite("reports", func(r ginkgo.Report) {
		realRun.report = r
		run := FromGinkgo(r, testMeta())
		d := realRun.dir
		if err := WriteAll(run, filepath.Join(d, "run.json"), filepath.Join(d, "junit.xml"), filepath.Join(d, "report.html")); err != nil {
			ginkgo.Fail(err.Error())
		}
	})
	suiteCfg, reporterCfg := ginkgo.GinkgoConfiguration()
	suiteCfg.LabelFilter = "!delete"
	suiteCfg.RandomizeAllSpecs = false
	suiteCfg.RandomSeed = 4242
	reporterCfg.Succinct = true
	reporterCfg.NoColor = true
	ft := &fakeT{}
	if ginkgo.RunSpecs(ft, "dcrconform: reports self-check", suiteCfg, reporterCfg) || !ft.failed {
		t.Fatal("the self-check suite passed; UK-REG-N01 should have failed")
	}

	f, err := os.Open(filepath.Join(realRun.dir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	run, err := ReadJSON(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"UK-REG-P01": OutcomePassed, "UK-REG-N01": OutcomeFailed, "UK-UPD-P01": OutcomeSkipped}
	if len(run.Specs) != len(want) {
		t.Errorf("specs = %+v, want %d", run.Specs, len(want))
	}
	for _, s := range run.Specs {
		if want[s.ID] != s.Outcome {
			t.Errorf("%s: outcome %q, want %q", s.ID, s.Outcome, want[s.ID])
		}
	}
	if s := specByID(t, run, "UK-REG-N01"); s.Requirement != scRegN01.Requirement || s.Actual != "status 201" || len(s.Exchanges) != 1 {
		t.Errorf("failed spec = %+v", s)
	}
	// Locations are module-relative, as on any machine: not this one's checkout path.
	for _, id := range []string{"UK-REG-P01", "UK-REG-N01"} {
		if s := specByID(t, run, id); !regexp.MustCompile(`^reports/ginkgo_run_test\.go:\d+$`).MatchString(s.Location) {
			t.Errorf("%s: location %q, want reports/ginkgo_run_test.go:<line>", id, s.Location)
		}
	}
	if s := specByID(t, run, "UK-UPD-P01"); s.Operation != "update" || s.Reason != "the bank does not support update" {
		t.Errorf("spec skipped in BeforeEach = %+v", s)
	}
	if run.Summary.NotSelected != 1 {
		t.Errorf("summary = %+v: UK-DEL-P01, left out by the label filter, should count as not selected", run.Summary)
	}
	// The seed, set-up notes and the exchange that broke the requirement reach every report.
	if run.Seed != 4242 {
		t.Errorf("seed %d, want 4242", run.Seed)
	}
	if s := specByID(t, run, "UK-REG-P01"); len(s.Notes) != 1 || s.Outcome != OutcomePassed {
		t.Errorf("UK-REG-P01: notes %q, outcome %s: want the set-up note, passed", s.Notes, s.Outcome)
	}
	if s := specByID(t, run, "UK-REG-N01"); len(s.Breaches) != 1 || s.Breaches[0] != 0 {
		t.Errorf("UK-REG-N01: breach_exchanges %v, want [0]", s.Breaches)
	}
	for file, want := range map[string]string{
		"junit.xml":   `<property name="seed" value="4242">`,
		"report.html": `broke the requirement:`,
	} {
		data, err := os.ReadFile(filepath.Join(realRun.dir, file))
		if err != nil || !strings.Contains(string(data), want) {
			t.Errorf("%s does not contain %q (%v)", file, want, err)
		}
	}
	if junit, _ := os.ReadFile(filepath.Join(realRun.dir, "junit.xml")); !strings.Contains(string(junit), "actual status 201 / exchange 1: POST https://bank.example/register") {
		t.Errorf("the JUnit failure message does not name the exchange that broke the requirement")
	}
	assertNoSecrets(t, realRun.dir)
}
