package reports

import "testing"

func TestRelativeSource(t *testing.T) {
	for _, c := range []struct{ file, root, want string }{
		{"/home/ci/dcrconform/suites/uk/register.go", "/home/ci/dcrconform/", "suites/uk/register.go"},
		{"github.com/dcrconform/dcrconform/suites/uk/register.go", "github.com/dcrconform/dcrconform/", "suites/uk/register.go"}, // -trimpath
		{"/root/go/pkg/mod/github.com/onsi/ginkgo/v2@v2.34.0/core_dsl.go", "/home/ci/dcrconform/", "github.com/onsi/ginkgo/v2@v2.34.0/core_dsl.go"},
		{"/elsewhere/x.go", "/home/ci/dcrconform/", "/elsewhere/x.go"},
	} {
		if got := relativeSource(c.file, c.root); got != c.want {
			t.Errorf("relativeSource(%q, %q) = %q, want %q", c.file, c.root, got, c.want)
		}
	}
	if moduleRoot == "" || relativeSource(moduleRoot+"reports/location.go", moduleRoot) != "reports/location.go" {
		t.Errorf("module root %q: not this module's", moduleRoot)
	}
}
