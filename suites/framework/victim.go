package framework

import (
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// Victim is what a management request refused for lack of the right credential must leave as it
// was: the owner's registration as the owner reads it, and the owner's own management credential.
// A bank that acts on the request first and refuses it after shows up here, not in the refusal.
type Victim struct {
	reg      *Registration
	token    string         // the owner's management credential, taken before the refused request
	metadata map[string]any // the owner's read of its registration before it, nil without reads
}

// volatileMembers may change between two reads of an untouched registration: a bank may rotate the
// registration access token on every read (RFC 7592 section 2.1).
var volatileMembers = []string{"registration_access_token"}

// WatchVictim records reg as its owner sees it, before a request on it that must be refused: the
// owner's management credential, and (where the target supports reads) a read of the registration.
// It is set-up: an answer it does not get skips the victim check rather than failing the spec.
func (f *Framework) WatchVictim(reg *Registration) *Victim {
	v := &Victim{reg: reg, token: f.ManagementToken(reg)}
	if !f.Target.Supports.Read {
		return v
	}
	resp, err := f.ManageAt("GET", f.ManagementURL(reg), v.token, "", f.Cert(reg.Software))
	f.FollowRotation(reg, resp, err)
	if err != nil || resp.Status != http.StatusOK {
		return nil
	}
	md, jerr := resp.JSONObject()
	if jerr != nil {
		return nil
	}
	v.metadata = md
	if f.Profile().ManagementAuth == ManageRegistrationToken {
		v.token = reg.RegistrationToken
	}
	return v
}

// ExpectVictimUnchanged, after a request on v's registration was refused, reads the registration with
// the owner's credential taken before the request: the credential must still work (200) and the
// registration must be as it was (the same metadata). Without reads there is nothing to look at.
func (f *Framework) ExpectVictimUnchanged(v *Victim) {
	if v == nil || v.metadata == nil {
		return
	}
	resp, err := f.ManageAt("GET", f.ManagementURL(v.reg), v.token, "", f.Cert(v.reg.Software))
	f.FollowRotation(v.reg, resp, err)
	f.ExpectNoTransportError(err)
	c := f.Verdict()
	if resp.Status != http.StatusOK {
		c.Add("the owner's registration and credential untouched by the refused request: its read with the owner's credential is 200",
			"%s", resp.StatusText())
		c.Done()
		return
	}
	md, jerr := resp.JSONObject()
	if jerr != nil {
		c.Add("the owner's registration untouched by the refused request: its read is a JSON object", "%v", jerr)
	} else if changed := changedMembers(v.metadata, md); len(changed) > 0 {
		c.Add("the owner's registration untouched by the refused request: the same metadata as before it",
			"changed: %s", strings.Join(changed, ", "))
	}
	c.Done()
}

// changedMembers names the members whose values differ between two reads, the volatile ones aside.
func changedMembers(before, after map[string]any) []string {
	var out []string
	for k, b := range before {
		if slices.Contains(volatileMembers, k) {
			continue
		}
		if a, ok := after[k]; !ok || !reflect.DeepEqual(a, b) {
			out = append(out, k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok && !slices.Contains(volatileMembers, k) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
