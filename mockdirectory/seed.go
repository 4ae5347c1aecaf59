package mockdirectory

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

// Seed is the seed file's shape (YAML or JSON):
//
//	organisations:
//	  - id: 0015800001HQQrZAAX          # optional; give ids to keep a seed idempotent with --state
//	    name: Example TPP Ltd
//	    contacts: [{name: Tech, email: tech@tpp.example, type: Technical}]
//	    software:
//	      - id: oQ4KoaavpOuoE7rvQsZEOV
//	        client_name: Example App
//	        roles: [AISP, PISP]
//	        redirect_uris: [https://tpp.example/callback]
//	        key_type: EC                 # optional; RSA (PS256) by default
//
// Seeding is idempotent: an organisation that exists (same id, or same name when the seed gives no id) is
// kept as stored, and so is a software (same id, or same client_name in the same organisation).
type Seed struct {
	Organisations []SeedOrganisation `json:"organisations"`
}

// SeedOrganisation is an organisation and its software.
type SeedOrganisation struct {
	Organisation
	Software []Software `json:"software,omitempty"`
}

// LoadSeed reads and validates a seed file.
func LoadSeed(path string) (Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Seed{}, fmt.Errorf("seed: %w", err)
	}
	var s Seed
	if err := yaml.UnmarshalStrict(b, &s); err != nil {
		return Seed{}, fmt.Errorf("seed %s: %w", path, err)
	}
	return s, nil
}

func (d *Directory) applySeedFile(path string) error {
	s, err := LoadSeed(path)
	if err != nil {
		return err
	}
	if err := d.ApplySeed(s); err != nil {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	return nil
}

// ApplySeed creates the seed's organisations and software that do not exist yet. The whole seed is
// validated first: an invalid seed changes nothing.
func (d *Directory) ApplySeed(s Seed) error {
	type plannedOrg struct {
		org      Organisation
		existing string // id of the stored organisation, if any
		software []Software
	}
	var plan []plannedOrg
	seen := map[string]string{}
	claim := func(field, id string) error {
		if prev, ok := seen[id]; ok {
			return invalid(field, "id %q is also used by %s", id, prev)
		}
		seen[id] = field
		return nil
	}
	d.mu.RLock()
	for i, so := range s.Organisations {
		prefix := fmt.Sprintf("organisations[%d].", i)
		o, err := normaliseOrganisation(so.Organisation, prefix)
		if err != nil {
			d.mu.RUnlock()
			return err
		}
		p := plannedOrg{org: o}
		if o.ID != "" {
			if err := claim(prefix+"id", o.ID); err != nil {
				d.mu.RUnlock()
				return err
			}
			if _, ok := d.orgs[o.ID]; ok {
				p.existing = o.ID
			} else if _, ok := d.sws[o.ID]; ok {
				d.mu.RUnlock()
				return conflict(prefix+"id", "id %q is already taken by a software", o.ID)
			}
		} else {
			for _, r := range d.orgs {
				if r.Name == o.Name {
					p.existing = r.ID
				}
			}
		}
		check := o // roles are checked against the organisation as stored when it exists
		if p.existing != "" {
			check = d.orgs[p.existing].Organisation
		}
		if check.ID == "" {
			check.ID = "(new organisation)"
		}
		for j, sw := range so.Software {
			sprefix := fmt.Sprintf("%ssoftware[%d].", prefix, j)
			if sw.OrgID != "" && sw.OrgID != o.ID {
				d.mu.RUnlock()
				return invalid(sprefix+"org_id", "must be empty or the organisation's id")
			}
			sw, err := normaliseSoftware(sw, check, sprefix)
			if err != nil {
				d.mu.RUnlock()
				return err
			}
			if sw.ID != "" {
				if err := claim(sprefix+"id", sw.ID); err != nil {
					d.mu.RUnlock()
					return err
				}
				if e, ok := d.sws[sw.ID]; ok && e.rec.OrgID != p.existing {
					d.mu.RUnlock()
					return conflict(sprefix+"id", "id %q is already taken by software of organisation %s", sw.ID, e.rec.OrgID)
				} else if _, ok := d.orgs[sw.ID]; ok {
					d.mu.RUnlock()
					return conflict(sprefix+"id", "id %q is already taken by an organisation", sw.ID)
				}
			}
			p.software = append(p.software, sw)
		}
		plan = append(plan, p)
	}
	d.mu.RUnlock()

	for _, p := range plan {
		orgID := p.existing
		if orgID == "" {
			d.mu.Lock()
			o, err := d.createOrganisationLocked(p.org)
			d.mu.Unlock()
			if err != nil {
				return err
			}
			orgID = o.ID
		}
		for _, sw := range p.software {
			if d.seedSoftwareExists(orgID, sw) {
				continue
			}
			sw.OrgID = orgID
			if _, err := d.createSoftware(sw, "", nil, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *Directory) seedSoftwareExists(orgID string, sw Software) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if sw.ID != "" {
		_, ok := d.sws[sw.ID]
		return ok
	}
	for _, e := range d.sws {
		if e.rec.OrgID == orgID && e.rec.ClientName == sw.ClientName {
			return true
		}
	}
	return false
}
