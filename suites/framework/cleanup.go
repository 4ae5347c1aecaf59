package framework

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/onsi/ginkgo/v2"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/target"
)

// EntryLeak names the report entry of a registration that the cleanup could not delete: the run and
// every report show it as a warning, with the client_id.
const EntryLeak = "dcrconform.leak"

// Leak is a registration left on the target.
type Leak struct {
	ClientID string `json:"client_id"`
	Reason   string `json:"reason"`
}

// track remembers a registration the target made, to delete it when the spec ends. There is one
// Registration object per client: the spec's and the cleanup's, so that a registration access token
// rotated during the spec is the one the cleanup deletes with.
func (f *Framework) track(reg *Registration) {
	if f.tracked(reg.ClientID) != nil {
		return
	}
	f.regs = append(f.regs, reg)
	f.DeferCleanup(func() { f.deleteQuietly(reg) })
}

func (f *Framework) tracked(clientID string) *Registration {
	for _, r := range f.regs {
		if r.ClientID == clientID && clientID != "" {
			return r
		}
	}
	return nil
}

// observeManagement keeps the tracked registrations current with what a management answer says: a
// 200 client information response may rotate the registration access token or move the
// registration_client_uri (RFC 7592 section 3), whichever request of the spec drew it; a DELETE
// answered 2xx leaves nothing to clean up.
func (f *Framework) observeManagement(method, target string, resp *client.Response, err error) {
	if err != nil {
		return
	}
	if method == http.MethodDelete && resp.Status/100 == 2 {
		for _, r := range f.regs {
			if f.ManagementURL(r) == target || f.ClientURL(r.ClientID) == target {
				r.deleted = true
			}
		}
		return
	}
	if resp.Status != http.StatusOK {
		return
	}
	md, jerr := resp.JSONObject()
	if jerr != nil {
		return
	}
	id, _ := md["client_id"].(string)
	if r := f.tracked(id); r != nil {
		if t, _ := md["registration_access_token"].(string); t != "" {
			r.RegistrationToken = t
		}
		if u, _ := md["registration_client_uri"].(string); u != "" {
			r.RegistrationURI = f.resolveClientURI(u)
		}
	}
}

// deleteQuietly removes a registration at the end of a spec, without failing the spec; one it could
// not remove is reported as a leak.
func (f *Framework) deleteQuietly(reg *Registration) {
	if reg.deleted {
		return
	}
	if !f.Target.Supports.Delete {
		f.noteShared(reg, "the target does not implement DELETE")
		f.leaked(reg, "the target does not implement DELETE (configuration: supports.delete false)")
		return
	}
	if p := f.Client.Policy(); p != nil {
		if err := p.Check(f.ManagementURL(reg)); err != nil {
			// Left on the target, and the spec fails: the bank handed out a URL the harness may not use.
			reg.deleted = true
			f.noteShared(reg, err.Error())
			f.leaked(reg, err.Error())
			f.Failf("requests only to the bank's own origins, over TLS", "%v", err)
		}
	}
	if err := f.deleteRegistration(reg); err != nil {
		f.noteShared(reg, err.Error())
		f.leaked(reg, err.Error())
		return
	}
	reg.deleted = true
}

// leaked reports a registration left on the target: in the run's output and as a report entry.
func (f *Framework) leaked(reg *Registration, why string) {
	why = Clean(why)
	fmt.Fprintf(ginkgo.GinkgoWriter, "warning: %s: registration %s was left on the target: %s\n", f.Scenario.ID, reg.ClientID, why)
	ginkgo.AddReportEntry(EntryLeak, Leak{ClientID: reg.ClientID, Reason: why}, ginkgo.ReportEntryVisibilityAlways)
}

// deleteRegistration deletes reg with the profile's management credential: the latest registration
// access token (RFC 7592), or a fresh client_credentials access token. Only a 2xx, or a 404 or 410
// saying the client is gone, counts as deleted: a 401 means the credential was refused, and the
// registration may well still be there. A client the spec itself deleted is never tried again.
func (f *Framework) deleteRegistration(reg *Registration) error {
	token := reg.RegistrationToken
	if f.Profile().ManagementAuth != ManageRegistrationToken {
		resp, err := f.TryToken(reg)
		if err != nil {
			return fmt.Errorf("token request to delete %s: %w", reg.ClientID, err)
		}
		body, jerr := resp.JSONObject()
		if resp.Status != http.StatusOK || jerr != nil {
			return fmt.Errorf("token request to delete %s: status %d", reg.ClientID, resp.Status)
		}
		token, _ = body["access_token"].(string)
	}
	if token == "" {
		return fmt.Errorf("no credential to delete %s", reg.ClientID)
	}
	resp, err := f.ManageAt("DELETE", f.ManagementURL(reg), token, "", f.Cert(reg.Software))
	switch {
	case err != nil:
		return fmt.Errorf("DELETE %s: %w", reg.ClientID, err)
	case resp.Status/100 == 2 || resp.Status == http.StatusNotFound || resp.Status == http.StatusGone:
		return nil
	default:
		return fmt.Errorf("DELETE %s: status %d", reg.ClientID, resp.Status)
	}
}

// sharedBlocked says why the target's one configured software can no longer register: a registration
// of it that may still exist would make every later one a duplicate, so those specs are skipped with
// this reason rather than failed, or passed for the wrong reason.
var (
	sharedMu      sync.Mutex
	sharedBlocked string
)

func (f *Framework) noteShared(reg *Registration, why string) {
	if f.Target.Software == nil || reg.Software != f.Target.Software {
		return
	}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedBlocked == "" {
		sharedBlocked = fmt.Sprintf("the configured software's registration %s (made by %s) could not be deleted: %s", reg.ClientID, f.Scenario.ID, why)
	}
}

func (f *Framework) sharedSoftware() *target.Software {
	sharedMu.Lock()
	blocked := sharedBlocked
	sharedMu.Unlock()
	if blocked != "" {
		f.Skipf("%s; another registration of it would be refused as a duplicate", blocked)
	}
	return f.Target.Software
}
