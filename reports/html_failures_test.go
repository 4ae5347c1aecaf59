package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

func renderHTML(t *testing.T, run *Run) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, run); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The page opens with each failure: requirement (the register's clause), expected against actual and
// the exchange that broke it; the summary follows; a failure's expectation is on the page once.
func TestHTMLOpensWithTheFailures(t *testing.T) {
	run := FromGinkgo(syntheticReport(), testMeta())
	page := renderHTML(t, run)
	order := regexp.MustCompile(`<section id="([a-z-]+)"`).FindAllStringSubmatch(page, -1)
	if len(order) < 2 || order[0][1] != "failures" || order[1][1] != "summary" {
		t.Errorf("sections in order %v: want the failures first, then the summary", order)
	}
	var failed []string
	for _, s := range run.Specs {
		if s.Failed() {
			failed = append(failed, s.ID)
		}
	}
	cards := regexp.MustCompile(`<article class="failure" id="fail-spec-([A-Z0-9-]+)">`).FindAllStringSubmatch(page, -1)
	if len(cards) != len(failed) {
		t.Errorf("%d failure cards, want one per failed spec %v", len(cards), failed)
	}
	i := strings.Index(page, `id="fail-spec-UK-REG-N01"`)
	if i < 0 {
		t.Fatal("no card for UK-REG-N01")
	}
	card := page[i : i+strings.Index(page[i:], "</article>")]
	for what, want := range map[string]string{
		"the requirement with its register clause": `<span class="req">OBIE-DCR-3.3-SSA-SIGNATURE</span> MUST · Overview / SSA validation: <q>The ASPSP validates the SSA&#39;s signature against the OB Directory&#39;s published keys.</q>`,
		"expected":                   `<tr class="expected"><th>Expected</th><td>status 400 with error &#34;invalid_software_statement&#34;</td></tr>`,
		"actual":                     `<tr class="actual"><th>Actual</th><td>status 201</td></tr>`,
		"the exchange that broke it": `<th>Exchange that broke it</th><td><code>1. POST https://bank.example/register</code> · client certificate CN=tpp-transport,O=TPP → <b>HTTP 201</b>`,
		"a link to its details":      `<a href="#spec-UK-REG-N01">`,
	} {
		if !strings.Contains(card, want) {
			t.Errorf("the card lacks %s: %s\n%s", what, want, card)
		}
	}
	// The expectation once on the page, in either wording (the failure's, the scenario's declared one):
	// not again in the spec's facts or its failure message.
	if n := strings.Count(page, `status 400 with error &#34;invalid_software_statement&#34;`) + strings.Count(page, `400 invalid_software_statement`); n != 1 {
		t.Errorf("UK-REG-N01's expectation is on the page %d times, want once", n)
	}
	// A panic has no expected line: its card shows the panic as what happened.
	if !strings.Contains(page, `<tr class="actual"><th>Actual</th><td>panic: runtime error: invalid memory address or nil pointer dereference</td></tr>`) {
		t.Error("the panicked spec's card does not show the panic")
	}
}

func TestHTMLWithoutFailuresOpensWithTheSummary(t *testing.T) {
	page := renderHTML(t, bigPassingRun(t))
	order := regexp.MustCompile(`<section id="([a-z-]+)"`).FindAllStringSubmatch(page, -1)
	if len(order) == 0 || order[0][1] != "summary" || strings.Contains(page, `<article class="failure"`) {
		t.Errorf("sections %v: a run without failures opens with its summary", order)
	}
}

// The exchange that broke the requirement is the one the failure message names, not the clean-up after.
func TestBreakingExchangeIsTheOneTheMessageNames(t *testing.T) {
	run := FromGinkgo(syntheticReport(), testMeta())
	s := specByID(t, run, "UK-REG-N01")
	named := s.Exchanges[0]
	cleanup := named
	cleanup.Method, cleanup.Status = "DELETE", 204
	s.Exchanges = append(s.Exchanges, cleanup)
	if i, marked, ok := breakingExchange(s); !ok || i != 0 || !marked {
		t.Errorf("breakingExchange = %d, %v, %v; want the named exchange 0", i, marked, ok)
	}
	s.Breaches = []int{1} // the spec's own mark wins
	if i, marked, _ := breakingExchange(s); i != 1 || !marked {
		t.Errorf("with breach_exchanges [1]: %d, %v; want the marked exchange 1", i, marked)
	}
	s.Breaches = nil
	s.Reason = "no request line"
	if i, marked, _ := breakingExchange(s); i != 1 || marked {
		t.Errorf("without a request line: %d, %v; want the last exchange, unmarked", i, marked)
	}
}

// failingRun is a run the size of a full run of every profile (bigPassingRun's 174 passed specs) with
// the synthetic run's failures among them, the last in run order, as a run's failures often are.
func failingRun(t *testing.T) *Run {
	run := bigPassingRun(t)
	for _, s := range FromGinkgo(syntheticReport(), testMeta()).Specs {
		if s.Failed() {
			run.Specs = append(run.Specs, s)
		}
	}
	run.Summarize()
	return run
}

// probeLayout renders page at a laptop's viewport (1280×800) in headless Chromium and returns the
// y (CSS px from the page's top) of the first failure card, of the summary and of the first failed spec
// of the spec list, and the page's height.
func probeLayout(t *testing.T, page string) map[string]int {
	t.Helper()
	const probe = `<script>const y = s => { const e = document.querySelector(s); return e ? Math.round(e.getBoundingClientRect().top + scrollY) : -1 };
document.body.setAttribute("data-layout", ["first-card=" + y("article.failure"), "first-card-end=" + (y("article.failure") + Math.round(document.querySelector("article.failure").offsetHeight)),
"summary=" + y("#summary"), "first-failed-spec=" + y("details.spec.failed"), "height=" + document.documentElement.scrollHeight].join(" "))</script></body>`
	file := filepath.Join(t.TempDir(), "layout.html")
	if err := os.WriteFile(file, []byte(strings.Replace(page, "</body>", probe, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := string(runChromium(t, "--window-size=1280,800", "--force-device-scale-factor=1", "--dump-dom", "file://"+file))
	m := regexp.MustCompile(`data-layout="([^"]*)"`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatal("the layout probe did not run")
	}
	out := map[string]int{}
	for _, kv := range strings.Fields(m[1]) {
		k, v, _ := strings.Cut(kv, "=")
		out[k], _ = strconv.Atoi(v)
	}
	return out
}

// In Chromium, the first failure of a run the size of a full run is whole on the first screen, and the
// summary comes after the failures (before this layout, the first failure was 6,390 px down a real run
// of every profile).
func TestHTMLFirstFailureOnTheFirstScreenInChromium(t *testing.T) {
	run := failingRun(t)
	got := probeLayout(t, renderHTML(t, run))
	t.Logf("%d specs, %d failed: %v", len(run.Specs), run.Summary.Failed, got)
	if got["first-card"] < 0 || got["first-card-end"] > 800 {
		t.Errorf("the first failure spans y=%d..%d: not whole on the first screen (1280×800)", got["first-card"], got["first-card-end"])
	}
	if got["summary"] < got["first-card"] {
		t.Errorf("the summary (y=%d) comes before the failures (y=%d)", got["summary"], got["first-card"])
	}
	if got["first-failed-spec"] < got["summary"] {
		t.Errorf("the failed specs' details (y=%d) come before the summary (y=%d)", got["first-failed-spec"], got["summary"])
	}
}

// Every report names every profile the run ran and the reference bank's defects and choices.
func TestReportsNameEveryProfileAndTheBanksDefects(t *testing.T) {
	r := syntheticReport()
	cdr := scenario{ID: "CDR-REG-P01", Title: "A valid CDR registration is accepted", Requirement: "CDR-DCR-REGISTER",
		Profile: "cdr", Operation: "register", Kind: "positive", Expect: "201"}
	r.SpecReports = append(r.SpecReports, itSpec(cdr, types.SpecStatePassed, t0, 0, entry(entryScenario, cdr)))
	meta := testMeta()
	meta.ProfileEndpoints = map[string]string{"cdr": "https://bank.example/cdr/register"}
	meta.Defects = []string{"skip-ssa-signature", "no-www-authenticate"}
	meta.BankChoices = []string{"rfc7591-auth=none"}
	run := FromGinkgo(r, meta)

	want := Target{Name: "defective bank", Profile: "cdr,uk", DiscoveryURL: meta.DiscoveryURL, RegistrationURL: meta.RegistrationURL, TokenURL: meta.TokenURL,
		Profiles:    []TargetProfile{{"cdr", "https://bank.example/cdr/register"}, {"uk", "https://bank.example/register"}},
		Defects:     meta.Defects,
		BankChoices: meta.BankChoices}
	if got, _ := json.Marshal(run.Target); string(got) != mustJSON(t, want) {
		t.Errorf("target = %s\nwant     %s", got, mustJSON(t, want))
	}
	const setup = "profiles cdr, uk; reference-bank defects: skip-ssa-signature, no-www-authenticate; reference-bank choices: rfc7591-auth=none"
	if got := run.Target.Setup(); got != setup {
		t.Errorf("Setup() = %q, want %q", got, setup)
	}
	if got := ProfilesSelected(r); strings.Join(got, ",") != "cdr,uk" {
		t.Errorf("ProfilesSelected = %v", got)
	}

	var j bytes.Buffer
	if err := WriteJUnit(&j, run); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{`<property name="profiles" value="cdr,uk">`, `<property name="defects" value="skip-ssa-signature,no-www-authenticate">`, `<property name="bank_choices" value="rfc7591-auth=none">`} {
		if !strings.Contains(j.String(), p) {
			t.Errorf("JUnit lacks %s", p)
		}
	}
	page := renderHTML(t, run)
	for _, want := range []string{
		`<p class="setup">` + setup + `</p>`,
		`<dt>Profiles</dt><dd><ul class="profiles"><li>cdr: registration endpoint https://bank.example/cdr/register</li><li>uk: registration endpoint https://bank.example/register</li></ul></dd>`,
		`<dt>Reference-bank defects</dt><dd>skip-ssa-signature, no-www-authenticate</dd>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the HTML lacks %s", want)
		}
	}

	// A run of one profile against a bank without defects says just that.
	one := FromGinkgo(syntheticReport(), testMeta())
	if one.Target.Profile != "uk" || one.Target.Setup() != "profile uk" || len(one.Target.Defects) != 0 {
		t.Errorf("one profile: target %+v, setup %q", one.Target, one.Target.Setup())
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
