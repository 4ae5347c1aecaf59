package reports

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func signedRecord(t *testing.T, key crypto.Signer) []byte {
	t.Helper()
	meta := testMeta()
	meta.Catalogue = []Scenario{{ID: "UK-REG-N01", Title: "t", Profile: "uk"}}
	run := FromGinkgo(syntheticReport(), meta)
	if err := Sign(run, key, time.Date(2026, 5, 1, 11, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, run); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSignedRecordVerifiesWithEachKeyType(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]crypto.Signer{"ES256": ec, "EdDSA": ed, "PS256": rsaKey} {
		data := signedRecord(t, key)
		v, err := VerifyRecord(data, key.Public())
		if err != nil || !v.OK() {
			t.Fatalf("%s: %v %+v", name, err, v)
		}
		tp, _ := KeyThumbprint(key.Public())
		if v.KeyThumbprint != tp || v.Algorithm != name || v.Claims.Target.Name != "defective bank" || v.Claims.ToolVersion != "v0.9.0-test" || !strings.HasPrefix(v.Claims.CatalogueDigest, "sha256:") {
			t.Errorf("%s: verification %+v", name, v)
		}
		// The signature survives re-indentation: it covers content, not layout.
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			t.Fatal(err)
		}
		if v, err := VerifyRecord(compact.Bytes(), key.Public()); err != nil || !v.OK() {
			t.Errorf("%s: compacted record: %v %+v", name, err, v)
		}
	}
	// A record written gzipped (a .gz path) verifies as it is.
	run := FromGinkgo(syntheticReport(), testMeta())
	if err := Sign(run, ec, time.Now()); err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(t.TempDir(), "run.json.gz")
	if err := WriteAll(run, gz, "", ""); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(gz)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := VerifyRecord(data, ec.Public()); err != nil || !v.OK() || data[0] != 0x1f {
		t.Errorf("gzipped record: %v %+v", err, v)
	}
}

// TestVerifyNamesWhatWasTamperedWith edits a signed record the way a forger would and checks that
// verification fails naming the part changed.
func TestVerifyNamesWhatWasTamperedWith(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	data := signedRecord(t, key)
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	spec := func(m map[string]any, id string) map[string]any {
		for _, s := range m["specs"].([]any) {
			if s.(map[string]any)["id"] == id {
				return s.(map[string]any)
			}
		}
		t.Fatalf("no spec %s", id)
		return nil
	}
	for _, c := range []struct {
		name string
		data []byte
		want []string
	}{
		{"a failure turned into a pass", edit(func(m map[string]any) { spec(m, "UK-REG-N01")["outcome"] = "passed" }), []string{"spec /UK-REG-N01 was changed"}},
		{"the summary", edit(func(m map[string]any) { m["summary"].(map[string]any)["failed"] = 0 }), []string{"member summary was changed"}},
		{"the target", edit(func(m map[string]any) { m["target"].(map[string]any)["name"] = "good bank" }), []string{"member target was changed"}},
		{"a failed spec removed", edit(func(m map[string]any) {
			var keep []any
			for _, s := range m["specs"].([]any) {
				if s.(map[string]any)["id"] != "UK-TOK-N02" {
					keep = append(keep, s)
				}
			}
			m["specs"] = keep
		}), []string{"spec /UK-TOK-N02 was removed", "the number of specs was changed"}},
		{"a member added", edit(func(m map[string]any) { m["note"] = "all good" }), []string{"member note was added"}},
		{"the signing time", edit(func(m map[string]any) { m["signature"].(map[string]any)["signed_at"] = "2027-01-01T00:00:00Z" }), []string{"signature.signed_at changed"}},
		{"the JWS", edit(func(m map[string]any) {
			sig := m["signature"].(map[string]any)
			parts := strings.Split(sig["jws"].(string), ".")
			parts[1] = parts[1][:len(parts[1])-2] + "AA"
			sig["jws"] = strings.Join(parts, ".")
		}), []string{"does not verify with the given key"}},
	} {
		v, err := VerifyRecord(c.data, key.Public())
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if v.OK() {
			t.Errorf("%s: the tampered record verifies", c.name)
			continue
		}
		got := strings.Join(v.Problems, "\n")
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: problems %q lack %q", c.name, got, w)
			}
		}
	}

	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if v, err := VerifyRecord(data, other.Public()); err != nil || v.OK() || !strings.Contains(v.Problems[0], "not by the given key") {
		t.Errorf("another key: %v %+v", err, v)
	}
	run := FromGinkgo(syntheticReport(), testMeta())
	var unsigned bytes.Buffer
	if err := WriteJSON(&unsigned, run); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyRecord(unsigned.Bytes(), key.Public()); err == nil || !strings.Contains(err.Error(), "not signed") {
		t.Errorf("unsigned record: %v", err)
	}
}

func TestMergeBuildsTheTargetMatrix(t *testing.T) {
	a := FromGinkgo(syntheticReport(), testMeta())
	metaB := testMeta()
	metaB.TargetName = "other bank"
	b := FromGinkgo(syntheticReport(), metaB)
	b.Specs[0].Outcome, b.Specs[0].Reason = OutcomeSkipped, notSelectedPrefix+`label filter "x"`
	b.Summarize()
	m, err := Merge([]*Run{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Runs) != 2 || m.Runs[1].Target.Name != "other bank" || m.Target.Name != "defective bank + other bank" {
		t.Errorf("runs %+v, target %+v", m.Runs, m.Target)
	}
	selected := 0
	for _, r := range []*Run{a, b} {
		for _, s := range r.Specs {
			if !s.NotSelected() {
				selected++
			}
		}
	}
	if selected >= len(a.Specs)+len(b.Specs) || len(m.Specs) != selected {
		t.Errorf("%d specs, want the %d selected of %d", len(m.Specs), selected, len(a.Specs)+len(b.Specs))
	}
	if m.Summary.Failed != a.Summary.Failed+b.Summary.Failed || m.Summary.Failed == 0 {
		t.Errorf("summary %+v from %+v and %+v", m.Summary, a.Summary, b.Summary)
	}
	for _, s := range m.Specs {
		if s.Target == "" {
			t.Fatalf("spec %s has no target", s.ID)
		}
	}
	// Merged records merge again; the same target's spec twice is refused.
	c := FromGinkgo(syntheticReport(), func() Meta { m := testMeta(); m.TargetName = "third bank"; return m }())
	if mm, err := Merge([]*Run{m, c}); err != nil || len(mm.Runs) != 3 {
		t.Errorf("merge of a merged record: %v", err)
	}
	if _, err := Merge([]*Run{a, a}); err == nil || !strings.Contains(err.Error(), "give each run once") {
		t.Errorf("duplicate input: %v", err)
	}

	var junit, html bytes.Buffer
	if err := WriteJUnit(&junit, m); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<testsuite name="defective bank/uk/register"`, `<testsuite name="other bank/uk/register"`, `classname="other bank.uk.register"`, `<property name="target" value="other bank">`} {
		if !strings.Contains(junit.String(), want) {
			t.Errorf("merged JUnit lacks %s", want)
		}
	}
	if err := WriteHTML(&html, m); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<h2>Matrix: spec × target</h2>`, `<th>defective bank</th><th>other bank</th>`, `id="spec-other_bank-UK-REG-N01"`, `<span class="muted">not run</span>`} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("merged HTML lacks %s", want)
		}
	}
}
