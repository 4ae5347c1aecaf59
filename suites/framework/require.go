package framework

import (
	"fmt"
	"strings"
	"sync"

	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/harness/transcript"
)

// RequireRead, RequireUpdate and RequireDelete skip the spec when the target does not implement the operation.
func (f *Framework) RequireRead() {
	if !f.Target.Supports.Read {
		f.Skipf("the target does not implement GET of a registration (configuration: supports.read false)")
	}
}

func (f *Framework) RequireUpdate() {
	if !f.Target.Supports.Update {
		f.Skipf("the target does not implement PUT of a registration (configuration: supports.update false)")
	}
}

func (f *Framework) RequireDelete() {
	if !f.Target.Supports.Delete {
		f.Skipf("the target does not implement DELETE of a registration (configuration: supports.delete false)")
	}
}

// RequireMTLS skips the spec when the profile is configured without mutual TLS.
func (f *Framework) RequireMTLS() {
	if !f.Profile().MTLS {
		f.Skipf("the profile is configured without mutual TLS (overrides.mtls false)")
	}
}

// baselines caches, per target and profile, why the profile's valid baseline registration failed ("" when accepted).
var (
	baselineMu sync.Mutex
	baselines  = map[*target.Target]map[string]baseline{}
)

type baseline struct {
	failure   string
	broken    bool                  // no answer, a redirect, a 5xx or an unreadable 2xx: the target failed, not refused
	exchanges []transcript.Exchange // the control's own, shown in every spec it skips or fails
}

// RequireBaselineRegisters is the positive control of a negative registration spec: when the profile's
// valid baseline registration is itself refused (4xx), a refusal of the faulty request proves nothing,
// and the spec is skipped as inconclusive. When the target did not answer it properly at all (no answer,
// 3xx, 5xx, a 2xx without a readable client), the spec fails with that fault. The control runs once
// per profile and process; its exchanges go into the transcript of every spec it skips or fails, and of
// none when it passes, so that a report does not depend on which spec happened to run it first.
func (f *Framework) RequireBaselineRegisters() {
	if f.Target.Directory == nil && !f.Target.Supports.Delete {
		return // the control's registration could not be deleted, and would block the one software
	}
	baselineMu.Lock()
	defer baselineMu.Unlock()
	name := f.Profile().Name
	if baselines[f.Target] == nil {
		baselines[f.Target] = map[string]baseline{}
	}
	b, done := baselines[f.Target][name]
	if !done {
		b = f.tryBaseline()
		baselines[f.Target][name] = b
	}
	if b.failure != "" {
		f.Record.Append(b.exchanges...)
	}
	switch {
	case b.broken:
		f.Failf("the positive control: the valid baseline registration of the "+name+" profile to be answered", "%s", b.failure)
	case b.failure != "":
		f.Skipf("inconclusive: the valid baseline registration of the %s profile is refused (%s), so a refusal of this request proves nothing", name, b.failure)
	}
}

// tryBaseline runs the control with a transcript of its own.
func (f *Framework) tryBaseline() (b baseline) {
	own := f.Record
	f.Record = &transcript.Recorder{}
	defer func() {
		b.exchanges, f.Record = f.Record.Exchanges(), own
		if r := recover(); r != nil { // the spec fails here: keep what the control sent
			own.Append(b.exchanges...)
			panic(r)
		}
	}()
	return f.registerBaseline()
}

// registerBaseline registers and deletes a software identity of the control's own (the configured
// software where the target has no directory), so that no negative spec's software was registered
// and deleted before it, whichever spec runs first.
func (f *Framework) registerBaseline() baseline {
	sw := f.newSoftware(target.SoftwareOptions{}) // an identity of its own; its keys may be shared
	resp, err := f.TryRegister(sw, f.BaselineClaims(sw))
	if err != nil {
		return baseline{failure: err.Error(), broken: true}
	}
	obj, jerr := resp.JSONObject()
	reg := f.registrationFrom(sw, nil, obj)
	if resp.Status/100 != 2 || jerr != nil || reg.ClientID == "" {
		// A 2xx other than 201 still registered the client: the status is the positive specs' business.
		failure := fmt.Sprintf("%s: %s", resp.StatusText(), resp.Excerpt(200))
		if jerr != nil && resp.Status/100 == 2 {
			failure = jerr.Error()
		} else if bad := MetadataTypeErrors(obj); len(bad) > 0 && resp.Status/100 == 2 {
			failure = fmt.Sprintf("status %d: %s", resp.Status, strings.Join(bad, "; "))
		}
		return baseline{failure: failure, broken: resp.Status/100 != 4}
	}
	if tracked := f.tracked(reg.ClientID); tracked != nil {
		reg = tracked
	}
	f.deleteQuietly(reg) // now: a configured software is registered by the spec next
	return baseline{}
}
