package mockdirectory

import (
	"sort"
)

// CreateOrganisation validates and stores o. The ID is generated if empty (18 characters like
// "0015800001HQQrZAAX"); Status defaults to Active, Roles to AISP, PISP, CBPII.
func (d *Directory) CreateOrganisation(o Organisation) (Organisation, error) {
	o, err := normaliseOrganisation(o, "")
	if err != nil {
		return Organisation{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.createOrganisationLocked(o)
}

func (d *Directory) createOrganisationLocked(o Organisation) (Organisation, error) {
	if o.ID == "" {
		for o.ID = newOrgID(); d.idTaken(o.ID); o.ID = newOrgID() {
		}
	} else if d.idTaken(o.ID) {
		return Organisation{}, conflict("id", "id %q is already taken", o.ID)
	}
	if r, ok := d.runs[o.Run]; o.Run != "" && (!ok || !d.now().Before(r.ExpiresAt)) {
		return Organisation{}, invalid("run", "no open run %q", o.Run)
	}
	fillOrganisationDefaults(&o)
	rec := &orgRecord{Organisation: o, Seq: d.seq + 1, CreatedAt: d.now().UTC()}
	if err := d.saveJSON("orgs/"+o.ID+".json", rec); err != nil {
		return Organisation{}, err
	}
	d.seq++
	d.orgs[o.ID] = rec
	d.rebuildOrgSets(o.ID)
	d.log.Info("organisation created", "org_id", o.ID, "status", o.Status)
	return cloneOrganisation(rec.Organisation), nil
}

func (d *Directory) idTaken(id string) bool {
	_, org := d.orgs[id]
	_, sw := d.sws[id]
	return org || sw
}

// Organisation returns the organisation with id.
func (d *Directory) Organisation(id string) (Organisation, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	rec, ok := d.orgs[id]
	if !ok {
		return Organisation{}, notFound("organisation", id)
	}
	return cloneOrganisation(rec.Organisation), nil
}

// Organisations lists the organisations in creation order.
func (d *Directory) Organisations() []Organisation {
	d.mu.RLock()
	defer d.mu.RUnlock()
	recs := make([]*orgRecord, 0, len(d.orgs))
	for _, r := range d.orgs {
		recs = append(recs, r)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Seq < recs[j].Seq })
	out := make([]Organisation, len(recs))
	for i, r := range recs {
		out[i] = cloneOrganisation(r.Organisation)
	}
	return out
}

// SetOrganisationStatus changes an organisation's status (Active, Revoked, Withdrawn, Inactive). Its
// software keeps its keys; the SSAs it is issued carry the new org_status.
func (d *Directory) SetOrganisationStatus(orgID, status string) error {
	if err := validateStatus("status", status); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	old, ok := d.orgs[orgID]
	if !ok {
		return notFound("organisation", orgID)
	}
	rec := *old
	rec.Organisation = cloneOrganisation(old.Organisation)
	rec.Status = status
	if err := d.saveJSON("orgs/"+orgID+".json", &rec); err != nil {
		return err
	}
	d.orgs[orgID] = &rec
	d.log.Info("organisation status changed", "org_id", orgID, "status", status)
	return nil
}
