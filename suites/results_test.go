package suites_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/suites"
)

// FailedSpecIDs reads --results and a Ginkgo JSON report alike.
func TestFailedSpecIDsReadsBothFormats(t *testing.T) {
	spec := func(text string, state types.SpecState) types.SpecReport {
		return types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: text, State: state}
	}
	r := types.Report{SpecReports: types.SpecReports{
		spec("[UK-REG-N02] b", types.SpecStateFailed), spec("[UK-REG-001] a", types.SpecStatePassed),
		spec("[UK-REG-N01] c", types.SpecStatePanicked), spec("[UK-GET-001] d", types.SpecStateSkipped),
	}}
	dir := t.TempDir()
	write := func(name string, v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, path := range []string{write("results.json", suites.ResultsOf(r)), write("ginkgo.json", []types.Report{r})} {
		failed, ran, err := suites.FailedSpecIDs(path)
		if err != nil || ran != 3 || !slices.Equal(failed, []string{"UK-REG-N01", "UK-REG-N02"}) {
			t.Errorf("%s: failed %v, ran %d, err %v", filepath.Base(path), failed, ran, err)
		}
	}
}
