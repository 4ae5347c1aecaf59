package bank

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestDefectGuards checks that each catalogued defect is tested by exactly one b.has call in the
// package's code, and that every b.has call names a catalogued defect. The defects generated from the
// register's schema rules (schema.go) are switched on by name in schemaBreaks.
func TestDefectGuards(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	uses := map[string]int{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "has" || len(call.Args) != 1 {
				return true
			}
			if recv, ok := sel.X.(*ast.Ident); !ok || recv.Name != "b" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: b.has needs a literal defect name", fset.Position(call.Pos()))
				return true
			}
			defect, _ := strconv.Unquote(lit.Value)
			if _, known := defectCatalogue[defect]; !known {
				t.Errorf("%s: b.has(%q) is not in the catalogue", fset.Position(call.Pos()), defect)
			}
			uses[defect]++
			return true
		})
	}
	for name := range defectCatalogue {
		if _, generated := schemaDefects[name]; generated { // tested by schemaBreaks, by name
			continue
		}
		if uses[name] != 1 {
			t.Errorf("defect %s is tested by %d b.has calls, want 1", name, uses[name])
		}
	}
}

func TestDefectsCatalogue(t *testing.T) {
	defects := Defects()
	if len(defects) < 60 {
		t.Errorf("only %d defects", len(defects))
	}
	if !slices.IsSortedFunc(defects, func(a, b Defect) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("Defects() is not sorted by name")
	}
	for _, d := range defects {
		if d.Description == "" || strings.Contains(d.Description, "\n") || d.Name != strings.ToLower(d.Name) || strings.ContainsAny(d.Name, " _") {
			t.Errorf("defect %q: want a kebab-case name and a one-line description", d.Name)
		}
	}
}

func TestNewRejectsUnknownDefects(t *testing.T) {
	if _, err := New(Config{Defects: []string{"skip-ssa-signature", "no-such-defect"}}); err == nil || !strings.Contains(err.Error(), "no-such-defect") || !strings.Contains(err.Error(), "the defects are accept-any-id-token-alg") {
		t.Errorf("New with an unknown defect: err = %v, want one naming it", err)
	}
	b, err := New(Config{Defects: []string{"skip-ssa-signature"}})
	if err != nil || !b.has("skip-ssa-signature") || b.has("accept-ssa-alg-none") {
		t.Errorf("New with a known defect: %v", err)
	}
}
