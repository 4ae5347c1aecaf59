package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

func specByID(t *testing.T, r *Run, id string) Spec {
	t.Helper()
	for _, s := range r.Specs {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no spec %s in %+v", id, r.Specs)
	return Spec{}
}

func TestFromGinkgoDescribesEverySpec(t *testing.T) {
	r := FromGinkgo(syntheticReport(), testMeta())
	if r.SchemaVersion != SchemaVersion || r.ToolVersion != "v0.9.0-test" || r.Target.Name != "defective bank" || r.DurationMS != 6000 {
		t.Errorf("run header = %+v", r)
	}
	want := Summary{Total: 7, Passed: 1, Failed: 4, Skipped: 2, NotSelected: 1}
	if r.Summary != want {
		t.Errorf("summary = %+v, want %+v", r.Summary, want)
	}
	for _, s := range r.Specs {
		if s.ID == "SUITE-BEFORESUITE" {
			t.Error("a passed BeforeSuite is reported")
		}
	}

	n01 := specByID(t, r, "UK-REG-N01")
	if n01.Outcome != OutcomeFailed || n01.Requirement != "OBIE-DCR-3.3-SSA-SIGNATURE" || n01.Profile != "uk" || n01.Operation != "register" {
		t.Errorf("UK-REG-N01 = %+v", n01)
	}
	if n01.Expected != `status 400 with error "invalid_software_statement"` || n01.Actual != "status 201" {
		t.Errorf("UK-REG-N01 expected/actual = %q / %q", n01.Expected, n01.Actual)
	}
	if n01.Location != "/src/suites/uk/register.go:77" || n01.DurationMS != 40 {
		t.Errorf("UK-REG-N01 location %q duration %v", n01.Location, n01.DurationMS)
	}
	if !reflect.DeepEqual(n01.Labels, []string{"uk", "register", "negative", "UK-REG-N01"}) {
		t.Errorf("labels = %v", n01.Labels)
	}
	if len(n01.Exchanges) != 1 || n01.Exchanges[0].ClientCert != "CN=tpp-transport,O=TPP" || n01.Exchanges[0].Status != 201 {
		t.Fatalf("UK-REG-N01 exchanges = %+v", n01.Exchanges)
	}
	roles := map[string]map[string]any{}
	for _, j := range n01.Exchanges[0].JWTs {
		roles[j.Role] = j.Claims
	}
	if roles["request"]["iss"] != "sw-ABC123" || roles["software_statement"]["software_id"] != "sw-ABC123" {
		t.Errorf("decoded JWTs of the registration = %+v", n01.Exchanges[0].JWTs)
	}

	tok := specByID(t, r, "UK-TOK-N02")
	if tok.ErrorCodeSeen != "invalid_client" {
		t.Errorf("error code seen = %q", tok.ErrorCodeSeen)
	}
	roles = map[string]map[string]any{}
	for _, j := range tok.Exchanges[0].JWTs {
		roles[j.Role] = j.Claims
	}
	if roles["client_assertion"]["jti"] != "j-1" || roles["access_token"]["scope"] != "accounts" {
		t.Errorf("decoded JWTs of the token request = %+v", tok.Exchanges[0].JWTs)
	}

	if read := specByID(t, r, "UK-READ-N01"); read.Outcome != OutcomePanicked || !strings.Contains(read.Reason, "nil pointer") {
		t.Errorf("panicked spec = %+v", read)
	}
	if s := specByID(t, r, "UK-REG-N05"); s.Outcome != OutcomeSkipped || !strings.Contains(s.Reason, "fixed SSA") || s.Requirement == "" {
		t.Errorf("skipped spec = %+v", s)
	}
	// No scenario entry: the ID, title, profile and operation come from the spec text and labels.
	upd := specByID(t, r, "UK-UPD-P01")
	if upd.Title != scUpdP01.Title || upd.Profile != "uk" || upd.Operation != "update" || upd.Kind != "positive" ||
		!strings.Contains(upd.Reason, "does not support update") || len(upd.Exchanges) != 0 || upd.Exchanges == nil {
		t.Errorf("spec skipped before the framework = %+v", upd)
	}
	for _, s := range r.Specs {
		if s.ID == "UK-DEL-P01" {
			t.Errorf("a spec the label filter left out is reported: %+v", s)
		}
	}
	if as := specByID(t, r, "SUITE-AFTERSUITE"); as.Outcome != OutcomeFailed || as.Operation != "suite" || !strings.Contains(as.Reason, "returned 500") {
		t.Errorf("failed AfterSuite = %+v", as)
	}
}

func TestFromGinkgoUsesTheCatalogueForSpecsWithoutScenario(t *testing.T) {
	meta := testMeta()
	upd := Scenario(scUpdP01)
	upd.Requirement, upd.Expect = "RFC7592-2.2", "200"
	meta.Catalogue = []Scenario{upd}
	got := specByID(t, FromGinkgo(syntheticReport(), meta), "UK-UPD-P01") // skipped before its scenario was attached
	if got.Requirement != "RFC7592-2.2" || got.Expect != "200" {
		t.Errorf("catalogue not used: %+v", got)
	}
}

// A Ginkgo report read back from Ginkgo's JSON report (entry values as JSON) gives the same run.
func TestFromGinkgoReadsJSONRoundTrippedReports(t *testing.T) {
	data, err := json.Marshal(syntheticReport())
	if err != nil {
		t.Fatal(err)
	}
	var decoded types.Report
	if err := json.Unmarshal(data, &decoded); err != nil {
		t.Fatal(err)
	}
	if decoded.SpecReports[2].ReportEntries[0].Value.AsJSON == "" {
		t.Fatal("fixture: entry not round-tripped through JSON")
	}
	var inProcess, fromJSON bytes.Buffer
	if err := WriteJSON(&inProcess, FromGinkgo(syntheticReport(), testMeta())); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&fromJSON, FromGinkgo(decoded, testMeta())); err != nil {
		t.Fatal(err)
	}
	if inProcess.String() != fromJSON.String() {
		t.Errorf("in-process and JSON round-tripped reports differ:\n%s\n---\n%s", inProcess.String(), fromJSON.String())
	}
}

func TestJSONRoundTrip(t *testing.T) {
	run := FromGinkgo(syntheticReport(), testMeta())
	var first bytes.Buffer
	if err := WriteJSON(&first, run); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(bytes.NewReader(first.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var second bytes.Buffer
	if err := WriteJSON(&second, back); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() {
		t.Errorf("JSON changed on a round trip:\n%s\n---\n%s", first.String(), second.String())
	}
	if !strings.Contains(first.String(), `"schema_version":"dcrconform.report/v2"`) {
		t.Errorf("no schema version in %s", first.String()[:200])
	}
}

func TestReadJSONRejectsOtherFormats(t *testing.T) {
	for in, want := range map[string]string{
		`{"schema_version":"dcrconform.report/v3","specs":[]}`: `unsupported report schema_version "dcrconform.report/v3"`,
		`{"specs":[]}`:                  "no schema_version",
		`[{"SuitePath":"/x"}]`:          "Ginkgo JSON report",
		`not json`:                      "not a dcrconform report",
		`{"schema_version":"dcrconform`: "not a dcrconform report",
	} {
		_, err := ReadJSON(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadJSON(%s) = %v, want an error containing %q", in, err, want)
		}
	}
}

func TestRedactionIsIdempotentAndKeepsMaskLengths(t *testing.T) {
	var rec transcript.Recorder
	rec.Add(transcript.Exchange{
		Method: "POST", URL: "https://bank.example/token?client_secret=qs",
		RequestHeaders: map[string][]string{"Authorization": {"Bearer " + secBearer}},
		RequestBody:    "grant_type=client_credentials&client_secret=" + secClientSecret,
		ResponseBody:   `{"access_token":"` + secAccess + `"}`,
	})
	recorded, _ := rec.Last()
	again := RedactExchange(recorded)
	if !reflect.DeepEqual(again, recorded) {
		t.Errorf("redacting a recorded exchange changed it:\n%+v\n%+v", recorded, again)
	}
	if got := again.RequestHeaders["Authorization"][0]; got != "Bearer "+transcript.Mask(secBearer) {
		t.Errorf("Authorization = %q, want the recorder's mask kept", got)
	}
	raw := syntheticReport().SpecReports[3].ReportEntries[2].Value.GetRawValue().([]transcript.Exchange)[0]
	once := RedactExchange(raw)
	if twice := RedactExchange(once); !reflect.DeepEqual(once, twice) {
		t.Errorf("not idempotent:\n%+v\n%+v", once, twice)
	}
}

func TestRedactText(t *testing.T) {
	for in, want := range map[string]string{
		"expected: a WWW-Authenticate: Bearer challenge with the 401": "expected: a WWW-Authenticate: Bearer challenge with the 401",
		`WWW-Authenticate "Bearer error=\"invalid_token\""`:           `WWW-Authenticate "Bearer error=\"invalid_token\""`,
		"Authorization: Bearer abc123def456":                          "Authorization: Bearer " + transcript.Mask("abc123def456"),
		"Authorization: Bearer REDACTED_12_chars":                     "Authorization: Bearer REDACTED_12_chars",
		`{"Authorization":"Basic Y2xpZW50OnNlY3JldA=="}`:              `{"Authorization":"Basic ` + transcript.Mask("Y2xpZW50OnNlY3JldA==") + `"}`,
		"got eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.c2lnbmF0dXJl":        "got eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.[signature removed]",
		`{"client_secret":"xyz","error":"invalid_client"}`:            `{"client_secret":"` + transcript.Mask("xyz") + `","error":"invalid_client"}`,
		`no "error" member in {\"refresh_token\":\"rt-1\"`:            `no "error" member in {\"refresh_token\":\"` + transcript.Mask("rt-1") + `\"`,
		`{"access_token":"cut-sho…`:                                   `{"access_token":"` + transcript.Mask("cut-sho…"),
		"body client_secret=s3cr3t&scope=accounts":                    "body client_secret=" + transcript.Mask("s3cr3t") + "&scope=accounts",
		"status 400 with error \"invalid_client\"":                    "status 400 with error \"invalid_client\"",
	} {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%q)\n = %q\nwant %q", in, got, want)
		}
		if got := RedactText(want); got != want {
			t.Errorf("RedactText not idempotent on %q: %q", want, got)
		}
	}
}

// The redaction test of issue #7: no secret of the run appears in any file the reports write, nor in
// the files regenerated from the JSON report.
func TestNoSecretInAnyWrittenFile(t *testing.T) {
	dir := t.TempDir()
	run := FromGinkgo(syntheticReport(), testMeta())
	p := func(name string) string { return filepath.Join(dir, "nested", "out", name) }
	if err := WriteAll(run, p("run.json"), p("junit.xml"), p("report.html")); err != nil {
		t.Fatal(err)
	}
	// A report built without FromGinkgo (raw transcripts) must be masked by the writers too.
	raw := FromGinkgo(syntheticReport(), testMeta())
	for i := range raw.Specs {
		raw.Specs[i].Reason += " Authorization: Bearer " + secBearer
	}
	raw.Specs[1].Exchanges = syntheticReport().SpecReports[2].ReportEntries[1].Value.GetRawValue().([]transcript.Exchange)
	if err := WriteAll(raw, p("raw.json"), p("raw.xml"), p("raw.html")); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p("run.json"))
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteAll(back, "", p("again.xml"), p("again.html")); err != nil {
		t.Fatal(err)
	}
	files := assertNoSecrets(t, dir)
	if files != 8 {
		t.Errorf("scanned %d files, want 8", files)
	}
}

func assertNoSecrets(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range allSecrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s contains the secret %q", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A report path ending in .gz is written gzipped, and ReadJSON reads it back.
func TestGzippedJSONRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "run.json.gz")
	run := FromGinkgo(syntheticReport(), testMeta())
	if err := WriteAll(run, p, "", ""); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		t.Fatal("run.json.gz is not gzip")
	}
	back, err := ReadJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if back.Summary != run.Summary || len(back.Specs) != len(run.Specs) {
		t.Fatalf("read back %+v, want %+v", back.Summary, run.Summary)
	}
}

// WriteAllWith masks and folds once for all three reports: each file is byte for byte what its own
// writer gives, and the run passed in is not changed.
func TestWriteAllWithIsEachWriter(t *testing.T) {
	for _, seed := range fuzzSeeds {
		run := fuzzRun(seed)
		before, err := json.Marshal(run)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		opts := Options{JUnit: JUnitOptions{Transcripts: TranscriptsAll}, HTML: HTMLOptions{Transcripts: TranscriptsAll}}
		paths := []string{filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.html")}
		if err := WriteAllWith(run, paths[0], paths[1], paths[2], opts); err != nil {
			t.Fatal(err)
		}
		var alone [3]bytes.Buffer
		if err := WriteJSON(&alone[0], run); err != nil {
			t.Fatal(err)
		}
		if err := WriteJUnitWith(&alone[1], run, opts.JUnit); err != nil {
			t.Fatal(err)
		}
		if err := WriteHTMLWith(&alone[2], run, opts.HTML); err != nil {
			t.Fatal(err)
		}
		for i, path := range paths {
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, alone[i].Bytes()) {
				t.Errorf("seed %q: %s differs from its own writer's", seed, filepath.Base(path))
			}
		}
		if after, _ := json.Marshal(run); !bytes.Equal(before, after) {
			t.Errorf("seed %q: WriteAllWith changed the run", seed)
		}
	}
}
