// Package layers states the module's import rules: which packages sit on which, so that the lower ones
// read and test on their own. Its test fails on any import that points up a layer.
//
//	5  cmd/...                                   the binary: flags, then calls below
//	4  suites/...                                profiles' specs, a run (suites/runner), self-test, interop, variants
//	3  suites/framework, reports                 what specs are built on; what runs become
//	2  harness/{target,config,container,embedded} composition: a target with its directory and bank
//	1  mockdirectory, harness/bank               the servers the harness brings
//	0  harness/... (the rest), fixtures/...      base: pki, JOSE, transcript, client, key cache, pool, ssa, dn, profiles, gate
//
// A package may import packages of its own layer or below, never above.
package layers

import "strings"

// Module is the module path every rule is relative to.
const Module = "github.com/dcrconform/dcrconform"

// named are the packages (module-relative) whose layer is not their folder's default.
var named = map[string]int{
	"mockdirectory":         1,
	"harness/bank":          1,
	"harness/target":        2,
	"harness/config":        2,
	"harness/container":     2,
	"harness/embedded":      2,
	"suites/framework":      3,
	"reports":               3,
	"fixtures/requirements": 0,
}

// folders give every other package its layer by its top folder.
var folders = map[string]int{"fixtures": 0, "harness": 0, "mockdirectory": 1, "reports": 3, "suites": 4, "cmd": 5}

// Of returns the layer of a module-relative package path, and false for a path outside the module's folders.
func Of(pkg string) (int, bool) {
	for p := pkg; p != "."; {
		if l, ok := named[p]; ok {
			return l, true
		}
		i := strings.LastIndex(p, "/")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	top, _, _ := strings.Cut(pkg, "/")
	l, ok := folders[top]
	return l, ok
}
