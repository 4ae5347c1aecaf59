package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// A finding attached to a spec's report (run --procs) reaches the JSON report with its exchanges masked,
// the JUnit case's system-err and the HTML report, and changes no verdict.
func TestFindingsReachEveryReport(t *testing.T) {
	loaded := transcript.Exchange{Method: "POST", URL: "https://bank.example/register", Status: 500,
		RequestHeaders: map[string][]string{"Authorization": {"Bearer " + secBearer}},
		ResponseBody:   `{"error":"server_error","client_id":"client-9","client_secret":"` + secClientSecret + `"}`}
	alone := transcript.Exchange{Method: "POST", URL: "https://bank.example/register", Status: 201}
	f := Finding{Kind: FindingUnderLoad, Message: "POST https://bank.example/register answered 500 with 2 processes at once",
		UnderLoad: []transcript.Exchange{loaded}, Alone: []transcript.Exchange{alone}}
	r := types.Report{SuiteDescription: "dcrconform: bank", StartTime: t0, SpecReports: types.SpecReports{
		itSpec(scRegP01, types.SpecStatePassed, t0, time.Second, entry(entryScenario, scRegP01), entry(EntryFinding, f)),
	}}
	run := FromGinkgo(r, Meta{})
	if len(run.Findings) != 1 || run.Findings[0].SpecID != scRegP01.ID || run.Summary.Passed != 1 || run.Summary.Failed != 0 {
		t.Fatalf("findings %+v, summary %+v: want the one finding of %s, its spec passed", run.Findings, run.Summary, scRegP01.ID)
	}
	got := run.Findings[0]
	if len(got.UnderLoad) != 1 || got.UnderLoad[0].Status != 500 || len(got.Alone) != 1 || got.Alone[0].Status != 201 {
		t.Errorf("the finding's exchanges: under load %+v, alone %+v", got.UnderLoad, got.Alone)
	}
	var js, junit, html bytes.Buffer
	if err := WriteJSON(&js, run); err != nil {
		t.Fatal(err)
	}
	if err := WriteJUnit(&junit, run); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&html, run); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"JSON": js.String(), "JUnit": junit.String(), "HTML": html.String()} {
		if !strings.Contains(out, FindingUnderLoad) {
			t.Errorf("the %s report does not show the finding", name)
		}
		for _, secret := range []string{secBearer, secClientSecret} {
			if strings.Contains(out, secret) {
				t.Errorf("the %s report leaks %s", name, secret)
			}
		}
	}
	if !strings.Contains(junit.String(), "finding: "+scRegP01.ID+": "+FindingUnderLoad) {
		t.Errorf("the JUnit case carries no finding line:\n%s", junit.String())
	}
}
