package reports

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func writeHTMLFile(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DCRCONFORM_REPORT_DIR") // set it to keep the reports (and a screenshot) for a look
	if dir == "" {
		dir = t.TempDir()
	}
	run := FromGinkgo(syntheticReport(), testMeta())
	p := filepath.Join(dir, "report.html")
	if err := WriteAll(run, filepath.Join(dir, "run.json"), filepath.Join(dir, "junit.xml"), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHTMLIsSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, FromGinkgo(syntheticReport(), testMeta())); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"<script", "<link", " src=", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q: not self-contained", bad)
		}
	}
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[1], "#") {
			t.Errorf("link to %q leaves the page", m[1])
		}
	}
}

// chromium finds Debian's headless browser; its absence fails the test (CI installs it).
func chromium(t *testing.T) string {
	if testing.Short() {
		t.Skip("integration tier (needs headless Chromium); go test -short leaves it out")
	}
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is missing: the HTML report is checked in a real headless Chromium; install it with apt-get install -y chromium")
	return ""
}

func runChromium(t *testing.T, args ...string) []byte {
	t.Helper()
	bin := chromium(t)
	profile := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--user-data-dir=" + profile, "--hide-scrollbars"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}

func TestHTMLRendersInHeadlessChromium(t *testing.T) {
	page := writeHTMLFile(t)
	start := time.Now()
	dom := string(runChromium(t, "--dump-dom", "file://"+page))
	t.Logf("chromium rendered the report in %v", time.Since(start).Round(time.Millisecond))

	must := func(what, pattern string) {
		t.Helper()
		if !regexp.MustCompile(pattern).MatchString(dom) {
			t.Errorf("rendered page lacks %s (/%s/)", what, pattern)
		}
	}
	must("the verdict", `FAILED: 4 failed, 1 passed, 2 skipped of 7 specs \(1 more not selected by this run\)`)
	must("the summary row of uk/register", `<td>uk</td><td>register</td><td class="n">3</td>`)
	must("the requirement matrix row", `OBIE-DCR-3.3-SSA-SIGNATURE</span></td><td><span class="badge failed">failed</span>`)
	must("the failing spec opened", `<details class="spec failed" id="spec-UK-REG-N01" data-labels="[^"]*\bnegative\b[^"]*" open="">`)
	must("the failing spec's ID, title and requirement", `UK-REG-N01</span> An SSA whose signature does not verify is rejected <span class="req">OBIE-DCR-3.3-SSA-SIGNATURE</span>`)
	must("the page opening with the failures", `<main>\s*<section id="failures">\s*<h2>Failures \(4\) <a class="jump" href="#summary">summary below</a></h2>\s*<article class="failure" id="fail-spec-UK-REG-N01">`)
	must("expected", `<th>Expected</th><td>status 400 with error "invalid_software_statement"</td>`)
	must("actual", `<th>Actual</th><td>status 201</td>`)
	must("the exchange", `POST https://bank.example/register → HTTP 201 · 31 ms · client certificate CN=tpp-transport,O=TPP`)
	must("the JWT body folded", `\[JWT: decoded in jwts as "request"\]`)
	must("a decoded SSA claim", `"software_id": "sw-ABC123"`)
	must("a decoded client assertion claim", `"jti": "j-1"`)
	must("a masked secret", `"client_secret": "REDACTED_21_chars"`)
	must("the passed spec, collapsed", `<details class="spec passed" id="spec-UK-REG-P01" data-labels="[^"]*">`)
	must("a visible skip reason", `Skipped: the target's software has a fixed SSA`)
	for _, s := range allSecrets {
		if strings.Contains(dom, s) {
			t.Errorf("rendered page shows the secret %q", s)
		}
	}

	shot := filepath.Join(filepath.Dir(page), "report.png")
	runChromium(t, "--window-size=1280,2600", "--screenshot="+shot, "file://"+page)
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 20_000 {
		t.Errorf("screenshot %s: %v (size %d), want a rendered page", shot, err, sizeOf(fi))
	}
}

func sizeOf(fi os.FileInfo) int64 {
	if fi == nil {
		return 0
	}
	return fi.Size()
}

// renderMS loads page in an iframe of a measuring page in headless Chromium and returns the
// milliseconds from inserting the frame to its load event with layout done, browser start excluded.
func renderMS(t *testing.T, page string) int {
	t.Helper()
	wrapper := filepath.Join(filepath.Dir(page), "measure-"+filepath.Base(page))
	html := `<!doctype html><html><body><div id="out">pending</div><script>
const t0 = performance.now();
const fr = document.createElement("iframe");
fr.style.width = "1280px"; fr.style.height = "2000px";
fr.onload = () => { fr.contentDocument.body.offsetHeight; document.getElementById("out").textContent = "loaded-ms=" + Math.round(performance.now() - t0); };
fr.src = "` + filepath.Base(page) + `"; document.body.appendChild(fr);
</script></body></html>`
	if err := os.WriteFile(wrapper, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := string(runChromium(t, "--allow-file-access-from-files", "--dump-dom", "file://"+wrapper))
	m := regexp.MustCompile(`loaded-ms=(\d+)`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the measuring page did not report a load time:\n%s", dom)
	}
	ms, _ := strconv.Atoi(m[1])
	return ms
}

// bigPassingRun is a passing run of 174 specs of three exchanges each, like a full run of every
// profile, built from the synthetic report's passed spec.
func bigPassingRun(t *testing.T) *Run {
	t.Helper()
	run := FromGinkgo(syntheticReport(), testMeta())
	var passed Spec
	for _, s := range run.Specs {
		if s.ID == "UK-REG-P01" {
			passed = s
		}
	}
	if len(passed.Exchanges) == 0 {
		t.Fatal("the synthetic passed spec has no exchange")
	}
	big := *run
	big.Specs = nil
	for i := range 174 {
		s := passed
		s.ID = fmt.Sprintf("UK-REG-P%03d", i)
		s.Exchanges = nil
		for range 3 {
			s.Exchanges = append(s.Exchanges, passed.Exchanges...)
		}
		big.Specs = append(big.Specs, s)
	}
	big.Summarize()
	return &big
}

// The page of a passing 174-spec run: its size and how long Chromium takes to lay it out (logged:
// timings belong to benchmarks, and this machine's load varies). Exchanges of passed specs are one line
// each by default, in full with TranscriptsAll.
func TestHTMLOfAPassingRunIsSmallAndQuick(t *testing.T) {
	dir := t.TempDir()
	run := bigPassingRun(t)
	sizes := map[string]int64{}
	for _, mode := range []string{TranscriptsFailed, TranscriptsAll} {
		p := filepath.Join(dir, mode+".html")
		var b bytes.Buffer
		if err := WriteHTMLWith(&b, run, HTMLOptions{Transcripts: mode}); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		sizes[mode] = int64(b.Len())
		t.Logf("html-transcripts=%s: %d bytes, laid out in %d ms", mode, b.Len(), renderMS(t, p))
	}
	if sizes[TranscriptsFailed] >= sizes[TranscriptsAll]/2 {
		t.Errorf("one-line exchanges for passed specs saved little: %v", sizes)
	}
	var b bytes.Buffer
	if err := WriteHTMLWith(&b, run, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "Decoded JWTs") || !strings.Contains(b.String(), "POST https://bank.example/register → HTTP 201") {
		t.Error("by default a passed spec's exchanges should be one line each, without bodies")
	}
}
