package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The docs a user reads: the README, and the files its sections moved to beside the code they describe.
var userDocs = []string{"README.md", "fixtures/examples/README.md", "fixtures/ci/README.md", "fixtures/docker/README.md",
	"mockdirectory/README.md", "harness/hostile/README.md", "suites/README.md", "suites/interop/README.md",
	"fixtures/requirements/README.md", "cmd/dcrconform/SPEED.md"}

var markdownLink = regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)

// TestReadmeFitsAndLinksResolve keeps the README a user's first screen and more (at most about 200 lines),
// every relative link of the user docs pointing at a file that exists, and every command the README's
// table names one the binary has.
func TestReadmeFitsAndLinksResolve(t *testing.T) {
	root := "../.."
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(readme, []byte("\n")); n > 200 {
		t.Errorf("README.md has %d lines: it is the user's guide (at most about 200); move evidence beside the code it describes", n)
	}
	for _, doc := range userDocs {
		b, err := os.ReadFile(filepath.Join(root, doc))
		if err != nil {
			t.Errorf("%s: %v", doc, err)
			continue
		}
		for _, m := range markdownLink.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, filepath.Dir(doc), target)); err != nil {
				t.Errorf("%s links to %s, which does not exist", doc, target)
			}
		}
	}
	commands := regexp.MustCompile("(?m)^\\| `dcrconform ([a-z]+)")
	for _, m := range commands.FindAllStringSubmatch(string(readme), -1) {
		var stdout, stderr bytes.Buffer
		if code := dispatch([]string{m[1], "-h"}, &stdout, &stderr); code != exitOK {
			t.Errorf("the README names `dcrconform %s`, but `dcrconform %s -h` exits %d: %s", m[1], m[1], code, stderr.String())
		}
	}
}
