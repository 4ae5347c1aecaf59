package framework

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/target"
)

// EntryNote names the report entry of a deviation a set-up step saw and did not judge: the spec that
// owns the requirement judges it. The console and the reports show it; no verdict changes.
const EntryNote = "dcrconform.note"

// A set-up step is a request a spec needs before its own check (a registration, a token, a delete). It
// is judged by what the next step needs, not by the requirements of another spec:
//   - any 2xx is success; a status other than the standard's is noted (Note), not failed;
//   - a refusal (4xx) skips the spec as inconclusive, naming the step: its own check could not run;
//   - no answer, a redirect, a 5xx or an unreadable 2xx body fails the spec: the target failed, not
//     refused (as the positive control judges, and the breaker stops a target that stopped answering);
//   - a readable 2xx lacking a member the next step needs skips the spec as inconclusive.
//
// The specs that own those requirements check them strictly (ExpectRegister, ExpectAccessToken,
// ExpectStatus).

// Note records a deviation the spec saw in a set-up step without judging it.
func (f *Framework) Note(format string, args ...any) {
	msg := Clean(f.Scenario.ID + ": " + fmt.Sprintf(format, args...))
	ginkgo.AddReportEntry(EntryNote, msg, ginkgo.ReportEntryVisibilityAlways)
}

// SetupStatus judges the answer to a set-up step: any 2xx passes (one other than standard is noted),
// a 4xx skips the spec as inconclusive, and no answer, a redirect or a 5xx fails it. step names the
// step in a sentence, e.g. "the registration of the baseline".
func (f *Framework) SetupStatus(step string, resp *client.Response, err error, standard int) {
	if err != nil {
		var stopped *stoppedError
		if errors.As(err, &stopped) {
			f.Failf("an HTTP response", "%v", err)
		}
		f.FailAt(resp, "set-up: an HTTP response to "+step, "%v", err)
	}
	switch {
	case resp.Status/100 == 2:
		if standard != 0 && resp.Status != standard {
			f.Note("set-up: %s was answered %d, not %d (not this spec's requirement: the spec that owns it judges it)", step, resp.Status, standard)
		}
	case resp.Status/100 == 4:
		f.SkipSetup(step, "refused with %s: %s", resp.StatusText(), resp.Excerpt(200))
	default:
		f.FailAt(resp, "set-up: "+step+" to succeed (2xx) or be refused (4xx)", "%s: %s", resp.StatusText(), resp.Excerpt(200))
	}
}

// SetupJSON returns the JSON object of a set-up step's 2xx answer; an unreadable body fails the spec
// (the target failed), a content type other than JSON is noted.
func (f *Framework) SetupJSON(step string, resp *client.Response) map[string]any {
	obj, err := resp.JSONObject()
	if err != nil {
		f.FailAt(resp, "set-up: a JSON object answering "+step, "%s: %v: %s", resp.StatusText(), err, resp.Excerpt(200))
	}
	if !resp.IsJSON() {
		f.Note("set-up: %s was answered with Content-Type %q, not application/json", step, resp.Header.Get("Content-Type"))
	}
	return obj
}

// SkipSetup skips the spec as inconclusive: a set-up step it needs before its own check did not succeed.
func (f *Framework) SkipSetup(step, format string, args ...any) {
	f.Skipf("inconclusive: set-up step %s: %s; this spec's own check could not run", step, fmt.Sprintf(format, args...))
}

// registration levels: how strictly a registration's answer is judged.
type regLevel int

const (
	regSetUp    regLevel = iota // a step before the spec's own check
	regAccepted                 // the spec's own check is that the registration is accepted
	regStrict                   // the spec owns RFC 7591 section 3.2.1's answer: 201 and its members
)

// Register registers claims as a set-up step (see SetupStatus): any 2xx with a readable client_id
// will do; for RFC 7592 management, a missing registration access token is noted (ManagementToken
// skips a spec that needs it).
func (f *Framework) Register(sw *target.Software, claims Claims) *Registration {
	return f.register(sw, claims, regSetUp)
}

// RegisterAccepted registers claims where the registration being accepted is the spec's own check: a
// refusal fails the spec, a 2xx other than 201 is noted.
func (f *Framework) RegisterAccepted(sw *target.Software, claims Claims) *Registration {
	return f.register(sw, claims, regAccepted)
}

// ExpectRegister registers claims and expects 201 with a client_id (and, for RFC 7592 management, a
// registration access token and URI), reporting every one of them the answer lacks: for the specs
// whose requirement is the registration's answer.
func (f *Framework) ExpectRegister(sw *target.Software, claims Claims) *Registration {
	return f.register(sw, claims, regStrict)
}

// RegisterBaseline registers the spec's software with the baseline claims, as a set-up step.
func (f *Framework) RegisterBaseline() *Registration {
	sw := f.Software()
	return f.Register(sw, f.BaselineClaims(sw))
}

// ExpectRegisterBaseline registers the spec's software with the baseline claims and judges the answer
// strictly (ExpectRegister).
func (f *Framework) ExpectRegisterBaseline() *Registration {
	sw := f.Software()
	return f.ExpectRegister(sw, f.BaselineClaims(sw))
}

func (f *Framework) register(sw *target.Software, claims Claims, level regLevel) *Registration {
	const step = "the registration"
	resp, err := f.TryRegister(sw, claims)
	if level == regSetUp {
		f.SetupStatus(step, resp, err, http.StatusCreated)
	} else {
		f.ExpectNoTransportError(err)
	}
	c := f.ChecksOf(resp)
	switch {
	case level == regStrict && resp.Status != http.StatusCreated:
		c.Add("status 201", "%s", resp.StatusText())
	case level == regAccepted && resp.Status/100 != 2:
		if resp.Status/100 == 4 {
			f.RequireBaselineRegisters() // the baseline refused too: this refusal proves nothing (skipped)
		}
		c.Add("the registration to be accepted (201)", "%s: %s", resp.StatusText(), resp.Excerpt(200))
	case level == regAccepted && resp.Status != http.StatusCreated:
		f.Note("the registration was answered %d, not 201 (not this spec's requirement: the spec that owns it judges it)", resp.Status)
	}
	if resp.Status/100 != 2 { // refused: nothing registered to look into
		c.Done()
	}
	var md map[string]any
	if level == regStrict {
		md = c.JSON(resp)
	} else {
		md = f.SetupJSON(step, resp)
	}
	bad := MetadataTypeErrors(md)
	unusable := len(bad) > 0 // unreadable, or not to be used: the target failed, at any level
	if unusable {
		c.Add("client information of the types RFC 7591 gives (RFC7591-3.2.1)", "%s", strings.Join(bad, "; "))
	}
	reg := f.registrationFrom(sw, claims, md)
	if tracked := f.tracked(reg.ClientID); tracked != nil {
		tracked.Claims = claims // the one object the cleanup holds: rotations followed later reach it
		reg = tracked
	}
	if p := f.Client.Policy(); p != nil && reg.RegistrationURI != "" {
		if err := p.Check(reg.RegistrationURI); err != nil {
			c.Add("a registration_client_uri the harness may use: https (RFC 7592 section 5) at one of the bank's own origins", "%v", err)
			unusable = true
		}
	}
	if reg.ClientID == "" {
		c.Add("a client_id in the 201 body (RFC7591-3.2.1)", "no string client_id in %s", resp.Excerpt(300))
	}
	if f.Profile().ManagementAuth == ManageRegistrationToken && level == regStrict {
		if reg.RegistrationToken == "" {
			c.Add("a registration_access_token in the 201 body (RFC7592-3)", "none")
		}
		if reg.RegistrationURI == "" {
			c.Add("a registration_client_uri in the 201 body (RFC7592-3)", "none")
		}
	}
	if level == regStrict || unusable {
		c.Done()
	} else if c.Failed() { // no client_id: the next step has no client to work with
		f.SkipSetup(step, "the %d answer carries no client_id: %s", resp.Status, resp.Excerpt(200))
	}
	if f.Profile().ManagementAuth == ManageRegistrationToken && level != regStrict {
		if reg.RegistrationToken == "" || reg.RegistrationURI == "" {
			f.Note("set-up: the registration's answer lacks registration_access_token or registration_client_uri (RFC 7592 section 3)")
		}
	}
	return reg
}

// AccessToken gets a client_credentials access token for reg as a set-up step (see SetupStatus): any
// 2xx with an access_token will do; a token_type other than Bearer is noted.
func (f *Framework) AccessToken(reg *Registration) string {
	return f.AccessTokenScope(reg, f.TokenScope())
}

// AccessTokenScope gets an access token with the given scope as a set-up step.
func (f *Framework) AccessTokenScope(reg *Registration, scope string) string {
	const step = "the client_credentials token request"
	resp, err := f.TryTokenScope(reg, scope)
	f.SetupStatus(step, resp, err, http.StatusOK)
	body := f.SetupJSON(step, resp)
	tok, _ := body["access_token"].(string)
	if tok == "" {
		f.SkipSetup(step, "the %d answer carries no access_token: %s", resp.Status, resp.Excerpt(200))
	}
	if tt, _ := body["token_type"].(string); !strings.EqualFold(tt, "bearer") {
		f.Note("set-up: the token response's token_type is %q, not Bearer (RFC 6749 section 5.1)", tt)
	}
	return tok
}

// ExpectAccessToken gets a client_credentials access token for reg and expects success (RFC 6749
// section 5.1): 200, a JSON object, an access_token and token_type Bearer. For the specs whose
// requirement is the token response.
func (f *Framework) ExpectAccessToken(reg *Registration) string {
	resp, err := f.TryTokenScope(reg, f.TokenScope())
	f.ExpectStatus(resp, err, http.StatusOK)
	body := f.ExpectJSON(resp)
	tok, _ := body["access_token"].(string)
	if tok == "" {
		f.FailAt(resp, "an access_token in the token response (RFC6749-5.1)", "none in %s", resp.Excerpt(200))
	}
	if tt, _ := body["token_type"].(string); !strings.EqualFold(tt, "bearer") {
		f.FailAt(resp, "token_type Bearer (RFC6749-5.1)", "token_type %q", tt)
	}
	if _, ok := body["expires_in"].(json.Number); !ok { // RECOMMENDED: a warning
		c := f.Verdict().On(resp)
		c.AddFor(tokenExpiresIn, "expires_in, the access token's lifetime in seconds (a JSON number)", "expires_in %v", body["expires_in"])
		c.Done()
	}
	f.ExpectNotCached(resp)
	return tok
}

// tokenExpiresIn is RFC 6749 section 5.1's expires_in, RECOMMENDED.
var tokenExpiresIn = []string{"RFC6749-5.1-EXPIRES-IN"}

// tokenNoStore is RFC 6749 section 5.1's rule for an answer that carries a token.
var tokenNoStore = []string{"RFC6749-5.1-NO-STORE"}

// ExpectNotCached checks that an answer carrying a token or credentials tells caches not to keep it:
// Cache-Control no-store and Pragma no-cache (RFC 6749 section 5.1).
func (f *Framework) ExpectNotCached(resp *client.Response) {
	c := f.Verdict().On(resp)
	if !headerHasToken(resp.Header.Values("Cache-Control"), "no-store") {
		c.AddFor(tokenNoStore, "Cache-Control: no-store", "Cache-Control %q", resp.Header.Values("Cache-Control"))
	}
	if !headerHasToken(resp.Header.Values("Pragma"), "no-cache") {
		c.AddFor(tokenNoStore, "Pragma: no-cache", "Pragma %q", resp.Header.Values("Pragma"))
	}
	c.Done()
}

// headerHasToken reports whether a comma-separated header holds the directive (case-insensitive).
func headerHasToken(values []string, directive string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), directive) {
				return true
			}
		}
	}
	return false
}
