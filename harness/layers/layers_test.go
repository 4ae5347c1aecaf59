package layers

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoImportPointsUp parses every non-test Go file of the module and fails on an import of a package
// in a higher layer than the importer's, or on a package no layer names.
func TestNoImportPointsUp(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	violations, checked, err := upwardImports(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		t.Error(v)
	}
	if checked < 100 {
		t.Fatalf("only %d imports within the module were checked: the walk missed the module", checked)
	}
}

// TestUpwardImportIsFound runs the check on a tree whose base package imports the mock directory.
func TestUpwardImportIsFound(t *testing.T) {
	violations, checked, err := upwardImports("testdata/upward")
	if err != nil {
		t.Fatal(err)
	}
	if checked != 2 || len(violations) != 1 || !strings.Contains(violations[0], "harness/pki/pki.go (layer 0) imports mockdirectory (layer 1)") {
		t.Fatalf("checked %d imports, violations %q; want the one import of mockdirectory by harness/pki", checked, violations)
	}
}

// upwardImports parses every non-test Go file under root (a module's root) and returns each import of a
// package in a higher layer than the importer's, and each package no layer names.
func upwardImports(root string) (violations []string, checked int, err error) {
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (name == "testdata" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		from, ok := Of(pkg)
		if !ok {
			violations = append(violations, fmt.Sprintf("%s: package %s is in no layer (harness/layers)", path, pkg))
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			dep, inModule := strings.CutPrefix(ip, Module+"/")
			if !inModule {
				continue
			}
			checked++
			if to, ok := Of(dep); !ok || to > from {
				violations = append(violations, fmt.Sprintf("%s/%s (layer %d) imports %s (layer %d): an import may not point up a layer", pkg, filepath.Base(path), from, dep, to))
			}
		}
		return nil
	})
	return violations, checked, err
}

// TestLayersOfKnownPackages pins the rules the contributor guide draws.
func TestLayersOfKnownPackages(t *testing.T) {
	for pkg, want := range map[string]int{
		"harness/pki": 0, "harness/joseutil": 0, "harness/transcript": 0, "harness/client": 0,
		"harness/keycache": 0, "harness/keypool": 0, "harness/ssa": 0, "fixtures/requirements": 0,
		"mockdirectory": 1, "harness/bank": 1,
		"harness/target": 2, "harness/config": 2, "harness/container": 2, "harness/embedded": 2,
		"suites/framework": 3, "reports": 3,
		"suites": 4, "suites/uk": 4, "suites/interop/hydra": 4,
		"cmd/dcrconform": 5,
	} {
		if got, ok := Of(pkg); !ok || got != want {
			t.Errorf("layer of %s: %d (%v), want %d", pkg, got, ok, want)
		}
	}
	if _, ok := Of("vendor/x"); ok {
		t.Error("a folder outside the module's layers has a layer")
	}
}
