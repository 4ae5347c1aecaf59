package mockdirectory

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"time"
)

// A run is a lease on the directory taken by one conformance run: the organisations created under it
// (Organisation.Run), with their software and keys, are removed when the run ends (EndRun) or, for a run
// that was killed, once its lease expires (ExpireRuns). The CA, the directory signing keys and the
// organisations of no run stay. So a directory that serves many runs keeps a bounded state: what the runs
// alive at once created, never the sum over all runs.

// Limits of runs.
const (
	DefaultRunTTL = 30 * time.Minute // a run's lease when it asks for none
	MaxRunTTL     = 24 * time.Hour
	MaxRuns       = 256 // live runs at once
)

// Run is a run's lease. Its Token, returned by StartRun only, authenticates admin calls that reach the run's
// own organisations and software, and nothing else (see scope.go); the state keeps its SHA-256 only.
type Run struct {
	ID          string    `json:"id"`
	Name        string    `json:"name,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	Token       string    `json:"token,omitempty"`
	TokenSHA256 string    `json:"token_sha256,omitempty"` // stored; never served
}

// public is the run as served after its start: without its token or the token's hash.
func (r Run) public() Run {
	r.Token, r.TokenSHA256 = "", ""
	return r
}

// RunEnd counts what EndRun or ExpireRuns removed.
type RunEnd struct {
	Runs          int `json:"runs"`
	Organisations int `json:"organisations"`
	Software      int `json:"software"`
}

func runTTL(ttl time.Duration) (time.Duration, error) {
	switch {
	case ttl == 0:
		return DefaultRunTTL, nil
	case ttl < time.Second || ttl > MaxRunTTL:
		return 0, invalid("ttl", "must be between 1s and %s", MaxRunTTL)
	}
	return ttl, nil
}

// StartRun opens a run whose lease lasts ttl (0: DefaultRunTTL) unless renewed. Expired runs are
// removed first; at most MaxRuns may be open at once.
func (d *Directory) StartRun(name string, ttl time.Duration) (Run, error) {
	ttl, err := runTTL(ttl)
	if err != nil {
		return Run{}, err
	}
	if err := validateText("name", name, false, maxName); err != nil {
		return Run{}, err
	}
	if _, err := d.ExpireRuns(); err != nil {
		return Run{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.runs) >= MaxRuns {
		return Run{}, conflict("", "%d runs are open: end one or wait for a lease to expire", MaxRuns)
	}
	now := d.now().UTC()
	token := randomBase62(43) // 256 bits
	sum := sha256.Sum256([]byte(token))
	r := Run{ID: "run-" + randomBase62(16), Name: name, CreatedAt: now, ExpiresAt: now.Add(ttl), TokenSHA256: hex.EncodeToString(sum[:])}
	if err := d.saveJSON("runs/"+r.ID+".json", &r); err != nil {
		return Run{}, err
	}
	d.runs[r.ID] = &r
	d.log.Info("run started", "run", r.ID, "expires_at", r.ExpiresAt)
	started := r.public()
	started.Token = token
	return started, nil
}

// RenewRun extends a run's lease to ttl from now (0: DefaultRunTTL).
func (d *Directory) RenewRun(id string, ttl time.Duration) (Run, error) {
	ttl, err := runTTL(ttl)
	if err != nil {
		return Run{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	old, ok := d.runs[id]
	if !ok || !d.now().Before(old.ExpiresAt) {
		return Run{}, notFound("run", id)
	}
	r := *old
	r.ExpiresAt = d.now().UTC().Add(ttl)
	if err := d.saveJSON("runs/"+r.ID+".json", &r); err != nil {
		return Run{}, err
	}
	d.runs[id] = &r
	return r.public(), nil
}

// GetRun returns an open run.
func (d *Directory) GetRun(id string) (Run, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	r, ok := d.runs[id]
	if !ok || !d.now().Before(r.ExpiresAt) {
		return Run{}, notFound("run", id)
	}
	return r.public(), nil
}

// Runs lists the open runs, oldest first.
func (d *Directory) Runs() []Run {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]Run, 0, len(d.runs))
	for _, r := range d.runs {
		out = append(out, r.public())
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].CreatedAt.Before(out[j].CreatedAt) || (out[i].CreatedAt.Equal(out[j].CreatedAt) && out[i].ID < out[j].ID)
	})
	return out
}

// RunOrganisations lists the organisations of a run, in creation order.
func (d *Directory) RunOrganisations(id string) ([]Organisation, error) {
	if _, err := d.GetRun(id); err != nil {
		return nil, err
	}
	var out []Organisation
	for _, o := range d.Organisations() {
		if o.Run == id {
			out = append(out, o)
		}
	}
	return out, nil
}

// EndRun removes a run with its organisations, their software and keys.
func (d *Directory) EndRun(id string) (RunEnd, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.runs[id]; !ok {
		return RunEnd{}, notFound("run", id)
	}
	return d.removeRunsLocked(func(r *Run) bool { return r.ID == id })
}

// ExpireRuns removes the runs whose lease has expired, with their organisations, and the organisations of
// runs that no longer exist (left by a removal that was interrupted). The standalone directory calls it
// periodically; StartRun and New call it too.
func (d *Directory) ExpireRuns() (RunEnd, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	return d.removeRunsLocked(func(r *Run) bool { return !now.Before(r.ExpiresAt) })
}

// removeRunsLocked removes the runs chosen by drop and every organisation whose run is dropped or unknown:
// the organisations first, the run's record last, so that an interruption leaves a run to expire again.
func (d *Directory) removeRunsLocked(drop func(*Run) bool) (RunEnd, error) {
	var end RunEnd
	for _, o := range d.orgs {
		if o.Run == "" {
			continue
		}
		if r, ok := d.runs[o.Run]; ok && !drop(r) {
			continue
		}
		n, err := d.deleteOrganisationLocked(o.ID)
		if err != nil {
			return end, err
		}
		end.Organisations++
		end.Software += n
	}
	for id, r := range d.runs {
		if !drop(r) {
			continue
		}
		if d.st != nil {
			if err := d.st.remove("runs/" + id + ".json"); err != nil {
				return end, err
			}
		}
		delete(d.runs, id)
		end.Runs++
		d.log.Info("run ended", "run", id, "expired", !d.now().Before(r.ExpiresAt))
	}
	return end, nil
}

// DeleteOrganisation removes an organisation with its software, their keys and key sets.
func (d *Directory) DeleteOrganisation(id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.orgs[id]; !ok {
		return notFound("organisation", id)
	}
	_, err := d.deleteOrganisationLocked(id)
	return err
}

// deleteOrganisationLocked removes each software's record, then its key files, then the organisation's
// record: a software whose record is gone is not loaded, and its leftover key folder is removed on load.
func (d *Directory) deleteOrganisationLocked(orgID string) (software int, err error) {
	for _, e := range d.softwareOf(orgID) {
		id := e.rec.ID
		if d.st != nil {
			if err := d.st.remove("software/" + id + ".json"); err != nil {
				return software, err
			}
			if err := d.st.removeAll("software/" + id); err != nil {
				return software, err
			}
		}
		delete(d.sws, id)
		for _, p := range []string{SoftwareJWKSPath(orgID, id), SoftwareRevokedJWKSPath(orgID, id)} {
			delete(d.sets, p)
			delete(d.etags, p)
		}
		software++
	}
	if d.st != nil {
		if err := d.st.remove("orgs/" + orgID + ".json"); err != nil {
			return software, err
		}
	}
	delete(d.orgs, orgID)
	for _, p := range []string{OrgJWKSPath(orgID), OrgRevokedJWKSPath(orgID)} {
		delete(d.sets, p)
		delete(d.etags, p)
	}
	d.log.Info("organisation removed", "org_id", orgID, "software", software)
	return software, nil
}

// loadRuns loads the run records, then removes expired runs and unreferenced software key folders.
func (d *Directory) loadRuns() error {
	if d.st == nil {
		return nil
	}
	names, err := d.st.list("runs", ".json")
	if err != nil {
		return err
	}
	for _, n := range names {
		var r Run
		if err := d.loadJSON("runs/"+n, &r); err != nil {
			return err
		}
		if r.ID+".json" != n || r.Token != "" {
			return fmt.Errorf("state: runs/%s holds run %q, or a token in clear", n, r.ID)
		}
		d.runs[r.ID] = &r
	}
	dirs, err := d.st.listDirs("software")
	if err != nil {
		return err
	}
	for _, id := range dirs {
		if _, ok := d.sws[id]; !ok {
			if err := d.st.removeAll("software/" + id); err != nil {
				return err
			}
		}
	}
	return nil
}
