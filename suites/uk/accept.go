package uk

import (
	"slices"

	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// accept is what a negative spec accepts as the refusal: error codes by fault, resolved against the
// spec's profile (so a configuration's overrides.errors applies), plus codes it always accepts.
type accept struct {
	faults []string
	also   []string
}

func faults(names ...string) accept { return accept{faults: names} }

func (a accept) plus(codes ...string) accept {
	a.also = append(slices.Clone(a.also), codes...)
	return a
}

// codes are the error codes the target's profile accepts.
func (a accept) codes(f *framework.Framework) []string {
	return a.union(f.Profile())
}

func (a accept) union(p framework.Profile) []string {
	var out []string
	for _, fault := range a.faults {
		for _, c := range p.Codes(fault) {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	for _, c := range a.also {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// expectText is the catalogue's expected outcome: statuses and the UK profile's default codes.
func (a accept) expectText(statuses []int) string {
	p, _ := framework.LookupProfile(profile)
	return common.ExpectText(statuses, a.union(p))
}

var (
	badMetadata      = faults(framework.FaultMetadata)
	badSSA           = faults(framework.FaultSSA)
	badMetadataOrSSA = faults(framework.FaultMetadata, framework.FaultSSA)
	unapprovedSSA    = faults(framework.FaultUnapproved)
	badRedirect      = faults(framework.FaultRedirectURI)
	badRedirectOrMD  = faults(framework.FaultRedirectURI, framework.FaultMetadata)
	badBody          = faults(framework.FaultBody)
	duplicate        = faults(framework.FaultDuplicate)
	invalidClient    = faults(framework.FaultClientAuth)
	otherSoftware    = faults(framework.FaultMetadata, framework.FaultClientAuth, framework.FaultUnapproved)
	movedToOther     = faults(framework.FaultMetadata, framework.FaultSSA, framework.FaultClientAuth, framework.FaultUnapproved)
	updateWithoutSSA = faults(framework.FaultSSA, framework.FaultMetadata)
)
