package reports

import (
	"bytes"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Colours of the summary bar's segments (report.html.tmpl: .bar .bp, .bf, .bs).
var barColours = map[string]color.RGBA{
	"passed":  {18, 183, 106, 255},
	"failed":  {240, 68, 56, 255},
	"skipped": {152, 162, 179, 255},
}

func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(x uint32, y uint8) bool { v := int(x>>8) - int(y); return v >= -3 && v <= 3 }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

// TestHTMLSummaryScreenshot renders the report in headless Chromium at a laptop's width and reads the
// screenshot: the verdict banner is at the top and, after the failures the page opens with, the
// summary's bar has segments as wide as the profile's passed, failed and skipped counts.
func TestHTMLSummaryScreenshot(t *testing.T) {
	page := writeHTMLFile(t)
	run := FromGinkgo(syntheticReport(), testMeta())
	var passed, failed, skipped int
	for _, s := range run.Specs {
		if s.NotSelected() { // listed beneath the summary, not in its bar
			continue
		}
		if s.Profile != run.Specs[0].Profile || s.Target != "" {
			t.Fatalf("the fixture has one profile; %s is %s", s.ID, s.Profile)
		}
		switch {
		case s.Failed():
			failed++
		case s.Skipped():
			skipped++
		default:
			passed++
		}
	}
	shot := filepath.Join(filepath.Dir(page), "summary.png")
	const height = 2400 // the banner, the fixture's four failures, then the summary
	runChromium(t, "--window-size=1280,"+strconv.Itoa(height), "--force-device-scale-factor=1", "--screenshot="+shot, "file://"+page)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() != 1280 || b.Dy() != height {
		t.Fatalf("screenshot is %v, want 1280×%d", b.Size(), height)
	}
	if !near(img.At(5, 5), color.RGBA{0xb4, 0x23, 0x18, 255}) {
		t.Errorf("top left pixel %v: the red FAILED banner is not at the top", img.At(5, 5))
	}
	// The first row of the screenshot crossing the bar: count each segment's pixels.
	row := -1
	for y := b.Min.Y; y < b.Max.Y && row < 0; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if near(img.At(x, y), barColours["failed"]) {
				row = y + 4 // a few pixels into the bar, clear of its border
				break
			}
		}
	}
	if row < 0 {
		t.Fatalf("no summary bar in the first %d px: the summary does not follow the failures", height)
	}
	px := map[string]int{}
	for x := b.Min.X; x < b.Max.X; x++ {
		for name, c := range barColours {
			if near(img.At(x, row), c) {
				px[name]++
			}
		}
	}
	total := px["passed"] + px["failed"] + px["skipped"]
	if total < 200 {
		t.Fatalf("the bar is %d pixels wide: %v", total, px)
	}
	n := passed + failed + skipped
	for name, count := range map[string]int{"passed": passed, "failed": failed, "skipped": skipped} {
		want := float64(total) * float64(count) / float64(n)
		if got := float64(px[name]); got < want-3 || got > want+3 {
			t.Errorf("%s segment is %v px of %d, want %.0f (%d of %d specs)", name, got, total, want, count, n)
		}
	}
	t.Logf("summary bar at y=%d: %v for %d passed, %d failed, %d skipped", row, px, passed, failed, skipped)
}

// TestHTMLFiltersAndCollapsedTranscripts checks the page's filters (CSS only, no script) and that a
// failure shows expected and actual while its transcript stays collapsed.
func TestHTMLFiltersAndCollapsedTranscripts(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, FromGinkgo(syntheticReport(), testMeta())); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<input type="radio" name="status" id="st-failed">`,
		`body:has(#st-failed:checked) details.spec:not(.failed)`,
		`<input type="checkbox" id="lb-negative">`,
		`body:has(#lb-negative:checked) details.spec:not([data-labels~="negative"])`,
		`<details class="transcript"><summary>Transcript (1 HTTP exchange)</summary>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, `<details class="exchange" open`) || strings.Contains(page, `<details class="transcript" open`) {
		t.Error("a transcript is open: failures show expected and actual, transcripts stay collapsed")
	}
	// The failures come first, then the summary, then every other section.
	order := regexp.MustCompile(`<section id="([a-z-]+)"`).FindAllStringSubmatch(page, -1)
	if len(order) < 2 || order[0][1] != "failures" || order[1][1] != "summary" {
		t.Errorf("sections in order %v: the failures, then the summary, are not first", order)
	}
	// Every label offered filters at least one spec, and a spec ID is not offered.
	if strings.Contains(page, `id="lb-UK-REG-N01"`) {
		t.Error("spec IDs are offered as label filters")
	}
}

// TestHTMLFiltersInChromium ticks the page's filters (in copies of the page) and asks Chromium which specs
// it displays: the CSS-only filters must show exactly the specs with that status and every ticked label.
func TestHTMLFiltersInChromium(t *testing.T) {
	run := FromGinkgo(syntheticReport(), testMeta())
	var b bytes.Buffer
	if err := WriteHTML(&b, run); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	// A probe script (only in the test's copy) lists the specs laid out, by id.
	const probe = `<script>document.body.setAttribute("data-visible", Array.from(document.querySelectorAll("details.spec")).filter(e => e.getClientRects().length > 0).map(e => e.id).join(" "))</script></body>`
	dir := t.TempDir()
	for _, c := range []struct {
		name, status string
		labels       []string
		keep         func(Spec) bool
	}{
		{"failed", "failed", nil, Spec.Failed},
		{"negative", "all", []string{"negative"}, func(s Spec) bool { return slices.Contains(s.Labels, "negative") }},
		{"failed register", "failed", []string{"register", "uk"}, func(s Spec) bool {
			return s.Failed() && slices.Contains(s.Labels, "register") && slices.Contains(s.Labels, "uk")
		}},
	} {
		p := strings.Replace(page, `id="st-all" checked`, `id="st-all"`, 1)
		p = strings.Replace(p, `id="st-`+c.status+`"`, `id="st-`+c.status+`" checked`, 1)
		for _, l := range c.labels {
			p = strings.Replace(p, `id="lb-`+l+`"`, `id="lb-`+l+`" checked`, 1)
		}
		p = strings.Replace(p, "</body>", probe, 1)
		file := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".html")
		if err := os.WriteFile(file, []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
		dom := string(runChromium(t, "--dump-dom", "file://"+file))
		m := regexp.MustCompile(`<body data-visible="([^"]*)"`).FindStringSubmatch(dom)
		if m == nil {
			t.Fatalf("%s: the probe did not run", c.name)
		}
		var want []string
		for _, s := range run.Specs {
			if c.keep(s) {
				want = append(want, s.Anchor())
			}
		}
		got := strings.Fields(m[1])
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: Chromium shows %v, want %v", c.name, got, want)
		}
		if len(want) == len(run.Specs) {
			t.Errorf("%s: the filter keeps every spec: the fixture cannot tell", c.name)
		}
	}
}
