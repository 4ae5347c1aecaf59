package framework

import (
	"strings"
	"testing"
)

func TestDialectComesFromTheRegistry(t *testing.T) {
	p := withDialect(Profile{Name: "cdr"})
	if p.Title != "AU CDR DCR 0.2" || p.SSA != "cdr" || !p.MTLS || p.ManagementScope != "cdr:registration" || p.Encoding != EncodingJWT {
		t.Fatalf("the cdr dialect was not filled from the registry: %+v", p)
	}
	for name, declared := range map[string]Profile{
		"not in the registry":                  {Name: "brazil"},
		"the registry (harness/profiles) says": {Name: "uk", Encoding: EncodingJSON},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), name) {
					t.Errorf("withDialect(%+v): panic %v, want one saying %q", declared, r, name)
				}
			}()
			withDialect(declared)
		}()
	}
}
