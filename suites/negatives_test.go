package suites_test

import (
	"testing"

	"github.com/dcrconform/dcrconform/suites"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// TestEveryNegativeSpecHasADefect: a negative spec counts only when a defect of the reference bank is
// expected to make it fail (and TestDefectsAreCaught shows that it does).
func TestEveryNegativeSpecHasADefect(t *testing.T) {
	expected := map[string]bool{}
	for _, catches := range []map[string][]string{suites.DefectCatches, suites.DefectWarns} {
		for _, ids := range catches {
			for _, id := range ids {
				expected[id] = true
			}
		}
	}
	for _, s := range framework.Catalogue() {
		if s.Kind == framework.Negative && !expected[s.ID] {
			t.Errorf("negative spec %s (%s) is expected to catch no defect in suites.DefectCatches", s.ID, s.Title)
		}
	}
}
