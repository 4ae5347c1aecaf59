package main

import (
	"slices"
	"testing"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/config"
	"github.com/dcrconform/dcrconform/harness/profiles"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// TestEveryProfileListIsTheRegistry fails when any list of profiles (the suites', the config's, the
// reference bank's, init's, the catalogue's) disagrees with the registry in harness/profiles.
func TestEveryProfileListIsTheRegistry(t *testing.T) {
	names := profiles.Names()
	if got := framework.ProfileNames(); !slices.Equal(got, slices.Sorted(slices.Values(names))) {
		t.Errorf("the suites register profiles %v; the registry has %v", got, names)
	}
	if !slices.Equal(config.Profiles, names) {
		t.Errorf("config validates profiles %v; the registry has %v", config.Profiles, names)
	}
	if got := bank.Profiles(); !slices.Equal(got, names) {
		t.Errorf("the reference bank serves profiles %v; the registry has %v", got, names)
	}
	for _, p := range profiles.All() {
		if p.Title == "" || p.Description == "" || p.RegistrationPath == "" {
			t.Errorf("profile %s: the registry entry lacks a title, description or registration path", p.Name)
		}
		if got := bank.RegistrationPath(p.Name); got != p.RegistrationPath {
			t.Errorf("profile %s: the reference bank registers at %q; the registry says %q", p.Name, got, p.RegistrationPath)
		}
		if _, ok := ssaKinds[p.SSA]; p.SSA != "" && !ok {
			t.Errorf("profile %s: init exports no key set for its SSA kind %q", p.Name, p.SSA)
		}
		fp, _ := framework.LookupProfile(p.Name)
		if fp.Encoding != p.Body || fp.SSA != p.SSA || fp.MTLS != p.MTLS || fp.RegistrationAuth != p.RegistrationAuth || fp.ManagementAuth != p.ManagementAuth {
			t.Errorf("profile %s: the suites' dialect %+v is not the registry's %+v", p.Name, fp, p)
		}
	}
	for _, s := range framework.Catalogue() {
		if _, ok := profiles.Lookup(s.Profile); !ok {
			t.Errorf("spec %s is of profile %q, which the registry lacks", s.ID, s.Profile)
		}
	}
}
