package mockdirectory

import (
	"net/http"
	"slices"
	"time"
)

// runRoutes adds the admin API of runs (see runs.go) and of removing an organisation:
//
//	POST   /admin/runs                  {"name", "ttl": "30m"} (both optional) -> 201 Run with its token
//	GET    /admin/runs                  open runs
//	GET    /admin/runs/{id}             the run and its organisations
//	POST   /admin/runs/{id}/renew       {"ttl"} (optional) -> the run with its new expires_at
//	DELETE /admin/runs/{id}             removes the run, its organisations and their software -> RunEnd
//	DELETE /admin/organisations/{id}    removes an organisation and its software -> 204
func (d *Directory) runRoutes(adm *router) {
	adm.handle("POST", "/admin/runs", d.adminStartRun)
	adm.handle("GET", "/admin/runs", func(w http.ResponseWriter, r *http.Request) {
		runs := d.Runs()
		if run := runScope(r); run != "" {
			runs = slices.DeleteFunc(runs, func(x Run) bool { return x.ID != run })
		}
		writeJSON(w, http.StatusOK, map[string]any{"runs": runs})
	})
	adm.handle("GET", "/admin/runs/{id}", d.adminGetRun)
	adm.handle("POST", "/admin/runs/{id}/renew", d.adminRenewRun)
	adm.handle("DELETE", "/admin/runs/{id}", d.adminEndRun)
	adm.handle("DELETE", "/admin/organisations/{id}", func(w http.ResponseWriter, r *http.Request) {
		if err := d.DeleteOrganisation(r.PathValue("id")); err != nil {
			d.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

type runBody struct {
	Name string `json:"name"`
	TTL  string `json:"ttl"` // a Go duration; empty: DefaultRunTTL
}

func (b runBody) ttl() (time.Duration, error) {
	if b.TTL == "" {
		return 0, nil
	}
	ttl, err := time.ParseDuration(b.TTL)
	if err != nil || ttl <= 0 {
		return 0, invalid("ttl", "must be a positive duration such as \"30m\"")
	}
	return ttl, nil
}

func (d *Directory) adminStartRun(w http.ResponseWriter, r *http.Request) {
	var b runBody
	if err := decodeBody(w, r, &b, true); err != nil {
		d.fail(w, r, err)
		return
	}
	ttl, err := b.ttl()
	if err != nil {
		d.fail(w, r, err)
		return
	}
	run, err := d.StartRun(b.Name, ttl)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/admin/runs/"+run.ID)
	writeJSON(w, http.StatusCreated, run)
}

func (d *Directory) adminGetRun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	run, err := d.GetRun(id)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	orgs, err := d.RunOrganisations(id)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	if orgs == nil {
		orgs = []Organisation{}
	}
	writeJSON(w, http.StatusOK, struct {
		Run
		Organisations []Organisation `json:"organisations"`
	}{run, orgs})
}

func (d *Directory) adminRenewRun(w http.ResponseWriter, r *http.Request) {
	var b runBody
	if err := decodeBody(w, r, &b, true); err != nil {
		d.fail(w, r, err)
		return
	}
	if b.Name != "" {
		d.fail(w, r, invalid("name", "a run's name is set when it starts"))
		return
	}
	ttl, err := b.ttl()
	if err != nil {
		d.fail(w, r, err)
		return
	}
	run, err := d.RenewRun(r.PathValue("id"), ttl)
	if err != nil {
		d.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, run)
}

func (d *Directory) adminEndRun(w http.ResponseWriter, r *http.Request) {
	end, err := d.EndRun(r.PathValue("id"))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, end)
}
