package reports

import (
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// moduleRoot is the directory of this module's source as the binary was built ("/home/ci/dcrconform/"
// or, built with -trimpath, "github.com/dcrconform/dcrconform/"), with a trailing slash; "" if unknown.
var moduleRoot = func() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	dir := filepath.ToSlash(filepath.Dir(filepath.Dir(file))) // this file is <root>/reports/location.go
	return strings.TrimSuffix(dir, "/") + "/"
}()

// sourceLocation is a code location as the reports show it: "file:line" with the file relative to the
// module (suites/uk/register.go:123), or to the module cache for a dependency
// (github.com/onsi/ginkgo/v2@v2.34.0/core_dsl.go:10), never the build machine's absolute path.
func sourceLocation(loc types.CodeLocation) string {
	if loc.FileName == "" {
		return ""
	}
	return relativeSource(loc.FileName, moduleRoot) + ":" + strconv.Itoa(loc.LineNumber)
}

func relativeSource(file, root string) string {
	f := filepath.ToSlash(file)
	if root != "" {
		if rel, ok := strings.CutPrefix(f, root); ok {
			return rel
		}
	}
	if _, rel, ok := strings.Cut(f, "/pkg/mod/"); ok {
		return rel
	}
	return f
}
