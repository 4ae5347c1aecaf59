package framework

import (
	"crypto/tls"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// Claims is a JWT claim set; negative specs change exactly one member of a valid baseline.
type Claims map[string]any

// With returns a copy of c with key set to value.
func (c Claims) With(key string, value any) Claims {
	out := maps.Clone(c)
	out[key] = value
	return out
}

// Without returns a copy of c without key.
func (c Claims) Without(key string) Claims {
	out := maps.Clone(c)
	delete(out, key)
	return out
}

// Registration is a client the spec registered.
type Registration struct {
	ClientID      string
	TLSClientAuth bool // authenticates at the token endpoint with its certificate alone
	Software      *target.Software
	Claims        Claims         // what was sent
	Metadata      map[string]any // what the bank answered
}

// JWTContentType is the media type of a signed registration request.
const JWTContentType = "application/jwt"

// Software returns the spec's software identity: a fresh one from the directory when the target has
// one, so that specs never share a registration, else the target's configured software.
func (f *Framework) Software() *target.Software {
	if f.software != nil {
		return f.software
	}
	f.software = f.NewSoftware(target.SoftwareOptions{})
	return f.software
}

// NewSoftware creates another software identity; the spec is skipped when the target has no directory.
func (f *Framework) NewSoftware(opts target.SoftwareOptions) *target.Software {
	if f.Target.Directory == nil {
		if opts == (target.SoftwareOptions{}) && f.software == nil && f.Target.Software != nil {
			return f.Target.Software
		}
		f.Skipf("needs a mock directory to create a software identity; this target's SSA is fixed")
	}
	sw, err := f.Target.Directory.NewSoftware(f.Ctx, opts)
	if err != nil {
		f.Failf("the mock directory to create a software identity", "%v", err)
	}
	return sw
}

// SSA returns an SSA for sw, as opts asks. Without a directory only the fixed, valid SSA exists, and
// a spec asking for anything else is skipped.
func (f *Framework) SSA(sw *target.Software, opts mockdirectory.SSAOptions) string {
	if f.Target.Directory == nil {
		if opts.Break != "" || len(opts.Remove) > 0 || len(opts.Set) > 0 || (opts.Profile != "" && opts.Profile != f.Target.Profile) {
			f.Skipf("needs a mock directory to mint a modified SSA; this target's SSA is fixed")
		}
		return sw.SSA
	}
	ssa, err := f.Target.Directory.IssueSSA(f.Ctx, sw, opts)
	if err != nil {
		f.Failf("the mock directory to issue an SSA", "%v", err)
	}
	return ssa
}

// BaselineClaims is a valid UK DCR 3.3 registration request for sw, carrying a fresh valid SSA.
func (f *Framework) BaselineClaims(sw *target.Software) Claims {
	now := time.Now()
	alg := string(sw.SigningKey.Alg)
	return Claims{
		"iss":                             sw.ID,
		"iat":                             now.Unix(),
		"exp":                             now.Add(5 * time.Minute).Unix(),
		"jti":                             NewID(),
		"aud":                             f.Target.Audience,
		"scope":                           f.Target.Scope,
		"redirect_uris":                   []string{sw.RedirectURIs[0]},
		"token_endpoint_auth_method":      "private_key_jwt",
		"token_endpoint_auth_signing_alg": alg,
		"grant_types":                     []string{"authorization_code", "client_credentials", "refresh_token"},
		"response_types":                  []string{"code id_token"},
		"id_token_signed_response_alg":    alg,
		"request_object_signing_alg":      alg,
		"application_type":                "web",
		"software_id":                     sw.ID,
		"software_statement":              f.SSA(sw, mockdirectory.SSAOptions{}),
	}
}

// Sign signs claims with sw's signing key, as a registration request JWT.
func (f *Framework) Sign(sw *target.Software, claims Claims) string {
	jwt, err := joseutil.Sign(claims, sw.SigningKey, "JWT")
	if err != nil {
		f.Failf("to sign the request", "%v", err)
	}
	return jwt
}

// PostRegistration sends a registration request body as is. A 201 with a client_id is tracked, so
// that even a registration the bank should have refused is deleted when the spec ends.
func (f *Framework) PostRegistration(sw *target.Software, body, contentType string, cert *tls.Certificate) (*client.Response, error) {
	h := http.Header{"Accept": {"application/json"}}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	resp, err := f.Do(client.Request{Method: "POST", URL: f.Target.Registration, Header: h, Body: []byte(body), Cert: cert})
	if err == nil && resp.Status == http.StatusCreated {
		if obj, jerr := resp.JSONObject(); jerr == nil {
			if id, _ := obj["client_id"].(string); id != "" {
				f.DeferCleanup(func() { f.deleteQuietly(&Registration{ClientID: id, Software: sw}) })
			}
		}
	}
	return resp, err
}

// TryRegister signs claims with sw's key and posts them with sw's transport certificate.
func (f *Framework) TryRegister(sw *target.Software, claims Claims) (*client.Response, error) {
	return f.PostRegistration(sw, f.Sign(sw, claims), JWTContentType, sw.Transport)
}

// Register registers claims and expects 201 with a client_id.
func (f *Framework) Register(sw *target.Software, claims Claims) *Registration {
	resp, err := f.TryRegister(sw, claims)
	f.ExpectStatus(resp, err, http.StatusCreated)
	md := f.ExpectJSON(resp)
	id, _ := md["client_id"].(string)
	if id == "" {
		f.Failf("a client_id in the 201 body (RFC7591-3.2.1)", "no string client_id in %s", resp.Excerpt(300))
	}
	return &Registration{ClientID: id, Software: sw, Claims: claims, Metadata: md}
}

// RegisterBaseline registers the spec's software with the baseline claims.
func (f *Framework) RegisterBaseline() *Registration {
	sw := f.Software()
	return f.Register(sw, f.BaselineClaims(sw))
}

// AssertionClaims is a valid private_key_jwt client assertion for reg (RFC 7523 section 3).
func (f *Framework) AssertionClaims(reg *Registration) Claims {
	now := time.Now()
	return Claims{
		"iss": reg.ClientID,
		"sub": reg.ClientID,
		"aud": f.Target.Token,
		"iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(),
		"jti": NewID(),
	}
}

// TokenForm is a client_credentials token request authenticated with the given client assertion.
func (f *Framework) TokenForm(reg *Registration, assertion string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {f.Target.Scope},
		"client_id":             {reg.ClientID},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
	}
}

// PostToken sends a token request form with the given client certificate.
func (f *Framework) PostToken(form url.Values, cert *tls.Certificate) (*client.Response, error) {
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}}
	return f.Do(client.Request{Method: "POST", URL: f.Target.Token, Header: h, Body: []byte(form.Encode()), Cert: cert})
}

// TryToken requests a client_credentials token for reg with a valid assertion.
func (f *Framework) TryToken(reg *Registration) (*client.Response, error) {
	if reg.TLSClientAuth {
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {f.Target.Scope}, "client_id": {reg.ClientID}}
		return f.PostToken(form, reg.Software.Transport)
	}
	assertion, err := joseutil.Sign(f.AssertionClaims(reg), reg.Software.SigningKey, "JWT")
	if err != nil {
		f.Failf("to sign the client assertion", "%v", err)
	}
	return f.PostToken(f.TokenForm(reg, assertion), reg.Software.Transport)
}

// AccessToken gets a client_credentials access token for reg and expects success (RFC 6749 section 5.1).
func (f *Framework) AccessToken(reg *Registration) string {
	resp, err := f.TryToken(reg)
	f.ExpectStatus(resp, err, http.StatusOK)
	body := f.ExpectJSON(resp)
	tok, _ := body["access_token"].(string)
	if tok == "" {
		f.Failf("an access_token in the token response (RFC6749-5.1)", "none in %s", resp.Excerpt(200))
	}
	if tt, _ := body["token_type"].(string); !strings.EqualFold(tt, "bearer") {
		f.Failf("token_type Bearer (RFC6749-5.1)", "token_type %q", tt)
	}
	return tok
}

// ClientURL is the management URL of a client: the registration endpoint followed by its ClientId.
func (f *Framework) ClientURL(clientID string) string {
	return strings.TrimRight(f.Target.Registration, "/") + "/" + url.PathEscape(clientID)
}

// Manage sends a GET, PUT or DELETE for clientID with a bearer token (none when token is empty).
func (f *Framework) Manage(method, clientID, token string, body string, cert *tls.Certificate) (*client.Response, error) {
	h := http.Header{"Accept": {"application/json"}}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	var b []byte
	if body != "" {
		b = []byte(body)
		h.Set("Content-Type", JWTContentType)
	}
	return f.Do(client.Request{Method: method, URL: f.ClientURL(clientID), Header: h, Body: b, Cert: cert})
}

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

// deleteQuietly removes a registration at the end of a spec, without failing the spec.
func (f *Framework) deleteQuietly(reg *Registration) {
	if !f.Target.Supports.Delete {
		return
	}
	resp, err := f.TryToken(reg)
	if err != nil || resp.Status != http.StatusOK {
		return // already deleted, or the bank refuses: nothing more to do
	}
	body, jerr := resp.JSONObject()
	if jerr != nil {
		return
	}
	tok, _ := body["access_token"].(string)
	_, _ = f.Manage("DELETE", reg.ClientID, tok, "", reg.Software.Transport)
}

// SetSoftwareStatus changes sw's status at the directory, or skips the spec without one.
func (f *Framework) SetSoftwareStatus(sw *target.Software, status string) {
	if f.Target.Directory == nil {
		f.Skipf("needs a mock directory to change a software's status")
	}
	if err := f.Target.Directory.SetSoftwareStatus(f.Ctx, sw, status); err != nil {
		f.Failf("the mock directory to set the software's status to "+status, "%v", err)
	}
}

// SetOrganisationStatus changes the status of sw's organisation, or skips the spec without a directory.
func (f *Framework) SetOrganisationStatus(sw *target.Software, status string) {
	if f.Target.Directory == nil {
		f.Skipf("needs a mock directory to change an organisation's status")
	}
	if err := f.Target.Directory.SetOrganisationStatus(f.Ctx, sw, status); err != nil {
		f.Failf("the mock directory to set the organisation's status to "+status, "%v", err)
	}
}
