package suites_test

import (
	"os"
	"testing"

	"github.com/dcrconform/dcrconform/suites"
	"github.com/dcrconform/dcrconform/suites/framework"
)

const catalogueDoc = "../fixtures/CATALOGUE.md"

// TestCatalogueDocumentIsCurrent keeps fixtures/CATALOGUE.md in step with the declared scenarios.
// Regenerate it with `make catalogue`.
func TestCatalogueDocumentIsCurrent(t *testing.T) {
	want := suites.CatalogueMarkdown()
	got, err := os.ReadFile(catalogueDoc)
	if err != nil {
		t.Fatalf("%v: run `make catalogue`", err)
	}
	if string(got) != want {
		t.Fatalf("%s is out of date with the declared scenarios: run `make catalogue`", catalogueDoc)
	}
}

func TestEveryCaughtDefectNamesDeclaredSpecs(t *testing.T) {
	for defect, ids := range suites.DefectCatches {
		for _, id := range ids {
			if _, ok := framework.Lookup(id); !ok {
				t.Errorf("defect %s names spec %s, which is not declared", defect, id)
			}
		}
	}
}
