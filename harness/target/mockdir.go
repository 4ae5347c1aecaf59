package target

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/dcrconform/dcrconform/mockdirectory"
)

// InProcessDirectory adapts a mock directory running in this process. Every software it creates
// belongs to an organisation of its own, so that changing one's status touches no other spec.
func InProcessDirectory(d *mockdirectory.Directory) Directory { return &inProcess{d: d} }

type inProcess struct {
	d *mockdirectory.Directory
	n atomic.Int64
}

// Redirect URIs every minted software has in its SSA.
var defaultRedirectURIs = []string{"https://tpp.example.com/callback", "https://tpp.example.com/callback2"}

func (p *inProcess) NewSoftware(_ context.Context, opts SoftwareOptions) (*Software, error) {
	n := p.n.Add(1)
	org, err := p.d.CreateOrganisation(mockdirectory.Organisation{Name: fmt.Sprintf("Conformance TPP %d", n), Status: "Active"})
	if err != nil {
		return nil, fmt.Errorf("create organisation: %w", err)
	}
	sw, err := p.d.CreateSoftware(mockdirectory.Software{
		OrgID:        org.ID,
		ClientName:   fmt.Sprintf("Conformance software %d", n),
		Status:       "Active",
		Roles:        []string{"AISP", "PISP"},
		RedirectURIs: defaultRedirectURIs,
		KeyType:      opts.KeyType,
	})
	if err != nil {
		return nil, fmt.Errorf("create software: %w", err)
	}
	creds, err := p.d.Credentials(sw.ID)
	if err != nil {
		return nil, fmt.Errorf("software credentials: %w", err)
	}
	transport := creds.Transport
	return &Software{
		ID:           sw.ID,
		OrgID:        org.ID,
		SigningKey:   creds.SigningKey,
		Transport:    &transport,
		RedirectURIs: append([]string(nil), sw.RedirectURIs...),
		Roles:        append([]string(nil), sw.Roles...),
	}, nil
}

func (p *inProcess) IssueSSA(_ context.Context, sw *Software, opts mockdirectory.SSAOptions) (string, error) {
	return p.d.IssueSSA(sw.ID, opts)
}

func (p *inProcess) SetSoftwareStatus(_ context.Context, sw *Software, status string) error {
	return p.d.SetSoftwareStatus(sw.ID, status)
}

func (p *inProcess) SetOrganisationStatus(_ context.Context, sw *Software, status string) error {
	return p.d.SetOrganisationStatus(sw.OrgID, status)
}
