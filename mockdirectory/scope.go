package mockdirectory

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
)

// A run's token (Run.Token) scopes admin calls to that run: they see and change only the organisations
// created under it and their software, renew or end only that run, and cannot start runs or touch the
// directory's signing keys. Another run's ids answer 404, as if they did not exist. The admin token
// reaches everything.

type scopeKey struct{}

// runScope is the run a request's token is scoped to; "" for the admin token.
func runScope(r *http.Request) string {
	run, _ := r.Context().Value(scopeKey{}).(string)
	return run
}

// runForToken is the open run whose token is token.
func (d *Directory) runForToken(token string) (string, bool) {
	sum := sha256.Sum256([]byte(token))
	got := hex.EncodeToString(sum[:])
	d.mu.RLock()
	defer d.mu.RUnlock()
	now := d.now()
	for id, r := range d.runs {
		if r.TokenSHA256 != "" && subtle.ConstantTimeCompare([]byte(got), []byte(r.TokenSHA256)) == 1 && now.Before(r.ExpiresAt) {
			return id, true
		}
	}
	return "", false
}

func withRunScope(r *http.Request, run string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), scopeKey{}, run))
}

// orgInRun reports whether the organisation belongs to run.
func (d *Directory) orgInRun(orgID, run string) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	o, ok := d.orgs[orgID]
	return ok && o.Run == run
}

// softwareInRun reports whether the software's organisation belongs to run.
func (d *Directory) softwareInRun(swID, run string) bool {
	d.mu.RLock()
	e, ok := d.sws[swID]
	d.mu.RUnlock()
	return ok && d.orgInRun(e.rec.OrgID, run)
}

// scopeGate lets a run-scoped admin call through to its route only for the run's own ids; it answers
// the refusal itself.
func (d *Directory) scopeGate(w http.ResponseWriter, r *http.Request) bool {
	run := runScope(r)
	if run == "" {
		return true
	}
	p, id := r.Pattern, r.PathValue("id")
	switch {
	case strings.HasPrefix(p, "/admin/keys"), p == "/admin/runs" && r.Method == http.MethodPost:
		writeError(w, http.StatusForbidden, "a run's token reaches only its own run, organisations and software", "Authorization")
		return false
	case strings.HasPrefix(p, "/admin/runs/{id}") && id != run:
		d.fail(w, r, notFound("run", id))
		return false
	case strings.HasPrefix(p, "/admin/organisations/{id}") && !d.orgInRun(id, run):
		d.fail(w, r, notFound("organisation", id))
		return false
	case strings.HasPrefix(p, "/admin/software/{id}") && !d.softwareInRun(id, run):
		d.fail(w, r, notFound("software", id))
		return false
	}
	return true
}
