package framework

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/harness/transcript"
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

	ClientSecret      string // the client_secret issued, if any (followed when the bank rotates it)
	RegistrationToken string // RFC 7592 registration_access_token (followed when the bank rotates it)
	RegistrationURI   string // RFC 7592 registration_client_uri

	deleted bool // a DELETE of it was answered 2xx: the cleanup has nothing left to do
}

// JWTContentType is the media type of a signed registration request.
const JWTContentType = "application/jwt"

// JSONContentType is the media type of a JSON registration request.
const JSONContentType = "application/json"

// RFC 7592 section 2.2: an update request must not carry these members of the client information response.
var updateForbidden = []string{"registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at"}

// Software returns the spec's software identity: a fresh one from the directory when the target has
// one, so that specs never share a registration, else the target's configured software. A profile
// without SSAs (plain RFC 7591) gets a fresh identity of its own: a client name and redirect URIs.
func (f *Framework) Software() *target.Software {
	if f.software != nil {
		return f.software
	}
	if f.Profile().SSA == "" {
		f.software = plainSoftware()
		return f.software
	}
	f.software = f.NewSoftware(target.SoftwareOptions{})
	return f.software
}

// plainSoftware is a software identity that needs no directory: an ID and two redirect URIs.
func plainSoftware() *target.Software {
	id := NewID()[:16]
	base := "https://client-" + id + ".example.org"
	return &target.Software{ID: id, RedirectURIs: []string{base + "/callback", base + "/callback2"}}
}

// NewSoftware creates another software identity; the spec is skipped when the target has no directory.
func (f *Framework) NewSoftware(opts target.SoftwareOptions) *target.Software {
	if f.Profile().SSA == "" {
		return plainSoftware()
	}
	if f.Target.Directory == nil {
		if opts == (target.SoftwareOptions{}) && f.software == nil && f.Target.Software != nil {
			return f.sharedSoftware()
		}
		f.Skipf("needs a mock directory to create a software identity; this target's SSA is fixed")
	}
	sw, err := f.Target.Directory.NewSoftware(f.Ctx, opts)
	if err != nil {
		f.Failf("the mock directory to create a software identity", "%v", err)
	}
	return sw
}

// SSA returns an SSA for sw, as opts asks (of the profile's SSA kind unless opts says otherwise).
// Without a directory only the fixed, valid SSA exists, and a spec asking for anything else is skipped.
func (f *Framework) SSA(sw *target.Software, opts mockdirectory.SSAOptions) string {
	if opts.Profile == "" {
		opts.Profile = f.Profile().SSA
	}
	if f.Target.Directory == nil {
		if opts.Break != "" || len(opts.Remove) > 0 || len(opts.Set) > 0 || opts.Profile != f.Profile().SSA {
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

// Scope is the scope the spec's profile registers and requests: the target's setting for the
// profile (target.scope, "" for none), else the profile's default, else the target's; "" sends none.
func (f *Framework) Scope() string {
	if s := f.Settings().Scope; s != nil {
		return *s
	}
	if s := f.Profile().Scope; s != "" {
		return s
	}
	return f.Target.Scope
}

// UKBaseline is a valid UK DCR 3.3 registration request for sw, carrying a fresh valid SSA.
func UKBaseline(f *Framework, sw *target.Software) Claims {
	now := time.Now()
	alg := string(sw.SigningKey.Alg)
	return Claims{
		"iss":                             sw.ID,
		"iat":                             now.Unix(),
		"exp":                             now.Add(5 * time.Minute).Unix(),
		"jti":                             NewID(),
		"aud":                             f.Target.Audience,
		"scope":                           f.Scope(),
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

// Encode turns claims into a registration or update body of the profile: signed, or a JSON object.
func (f *Framework) Encode(sw *target.Software, claims Claims) string {
	if f.Profile().Encoding == EncodingJSON {
		b, err := json.Marshal(claims)
		if err != nil {
			f.Failf("to encode the request as JSON", "%v", err)
		}
		return string(b)
	}
	return f.Sign(sw, claims)
}

// ContentType is the media type of the profile's registration and update bodies.
func (f *Framework) ContentType() string {
	p := f.Profile()
	switch {
	case p.ContentType != "":
		return p.ContentType
	case p.Encoding == EncodingJSON:
		return JSONContentType
	}
	return JWTContentType
}

// Cert is the certificate the profile presents for sw: its transport certificate over mTLS, else none.
func (f *Framework) Cert(sw *target.Software) *tls.Certificate {
	if f.Profile().MTLS {
		return sw.Transport
	}
	return nil
}

// RegistrationEndpoint is the profile's registration endpoint at the target.
func (f *Framework) RegistrationEndpoint() string {
	if u := f.Settings().Registration; u != "" {
		return u
	}
	return f.Target.Registration
}

// RegistrationAuthorization is the Authorization header the profile's registration requests carry:
// HTTP Basic, a Bearer initial access token, or none. A profile that needs credentials the target
// does not give skips the spec.
func (f *Framework) RegistrationAuthorization() string {
	s := f.Settings()
	switch f.Profile().RegistrationAuth {
	case RegAuthBasic:
		if s.BasicUser == "" {
			f.Skipf("the %s profile registers with HTTP Basic credentials; the target gives none", f.Scenario.Profile)
		}
		return BasicAuthorization(s.BasicUser, s.BasicPassword)
	case RegAuthInitialToken:
		if s.InitialAccessToken != "" {
			return "Bearer " + s.InitialAccessToken
		}
	}
	return ""
}

// BasicAuthorization is an HTTP Basic (RFC 7617) Authorization header value.
func BasicAuthorization(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// ClientSecretBasic is the Authorization header of client_secret_basic: client_id and client_secret
// form-encoded, then HTTP Basic (RFC 6749 section 2.3.1).
func ClientSecretBasic(clientID, secret string) string {
	return BasicAuthorization(url.QueryEscape(clientID), url.QueryEscape(secret))
}

// PostRegistration sends a registration request body as is, with the profile's Authorization. A 201
// with a client_id is tracked, so that even a registration the bank should have refused is deleted
// when the spec ends.
func (f *Framework) PostRegistration(sw *target.Software, body, contentType string, cert *tls.Certificate) (*client.Response, error) {
	return f.PostRegistrationAuthorized(sw, body, contentType, cert, f.RegistrationAuthorization())
}

// PostRegistrationAuthorized is PostRegistration with the given Authorization header ("" for none).
func (f *Framework) PostRegistrationAuthorized(sw *target.Software, body, contentType string, cert *tls.Certificate, authorization string) (*client.Response, error) {
	h := http.Header{"Accept": {"application/json"}}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	if authorization != "" {
		h.Set("Authorization", authorization)
	}
	resp, err := f.Do(client.Request{Method: "POST", URL: f.RegistrationEndpoint(), Header: h, Body: []byte(body), Cert: cert})
	if err == nil && (resp.Status == http.StatusCreated || resp.Status == http.StatusOK) { // 200: a bank that registered but answered with the wrong status
		if obj, jerr := resp.JSONObject(); jerr == nil {
			if reg := registrationFrom(sw, nil, obj); reg.ClientID != "" {
				f.track(reg)
			}
		}
	}
	return resp, err
}

func registrationFrom(sw *target.Software, claims Claims, md map[string]any) *Registration {
	reg := &Registration{Software: sw, Claims: claims, Metadata: md}
	reg.ClientID, _ = md["client_id"].(string)
	reg.ClientSecret, _ = md["client_secret"].(string)
	reg.RegistrationToken, _ = md["registration_access_token"].(string)
	reg.RegistrationURI, _ = md["registration_client_uri"].(string)
	return reg
}

// TryRegister encodes claims as the profile does and posts them with its certificate and Authorization.
func (f *Framework) TryRegister(sw *target.Software, claims Claims) (*client.Response, error) {
	return f.PostRegistration(sw, f.Encode(sw, claims), f.ContentType(), f.Cert(sw))
}

// Register registers claims and expects 201 with a client_id (and, for RFC 7592 management, a
// registration access token and URI), reporting every one of them the answer lacks.
func (f *Framework) Register(sw *target.Software, claims Claims) *Registration {
	resp, err := f.TryRegister(sw, claims)
	f.ExpectNoTransportError(err)
	c := f.Checks()
	if resp.Status != http.StatusCreated {
		c.Add("status 201", "%s", resp.StatusText())
	}
	if resp.Status/100 != 2 { // refused: nothing registered to look into
		c.Done()
	}
	md := c.JSON(resp)
	if bad := MetadataTypeErrors(md); len(bad) > 0 {
		c.Add("client information of the types RFC 7591 gives (RFC7591-3.2.1)", "%s", strings.Join(bad, "; "))
	}
	reg := registrationFrom(sw, claims, md)
	if tracked := f.tracked(reg.ClientID); tracked != nil {
		tracked.Claims = claims // the one object the cleanup holds: rotations followed later reach it
		reg = tracked
	}
	if reg.ClientID == "" {
		c.Add("a client_id in the 201 body (RFC7591-3.2.1)", "no string client_id in %s", resp.Excerpt(300))
	}
	if f.Profile().ManagementAuth == ManageRegistrationToken {
		if reg.RegistrationToken == "" {
			c.Add("a registration_access_token in the 201 body (RFC7592-3)", "none")
		}
		if reg.RegistrationURI == "" {
			c.Add("a registration_client_uri in the 201 body (RFC7592-3)", "none")
		}
	}
	c.Done()
	return reg
}

// RegisterBaseline registers the spec's software with the baseline claims.
func (f *Framework) RegisterBaseline() *Registration {
	sw := f.Software()
	return f.Register(sw, f.BaselineClaims(sw))
}

// AssertionClaims is a valid private_key_jwt client assertion for reg (RFC 7523 section 3), its aud as
// target.assertion_audience says (AssertionAudience).
func (f *Framework) AssertionClaims(reg *Registration) Claims {
	now := time.Now()
	return Claims{
		"iss": reg.ClientID,
		"sub": reg.ClientID,
		"aud": AssertionAudience(f.Target),
		"iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(),
		"jti": NewID(),
	}
}

// AssertionAudience is the aud of a client assertion to t. By default it names both the token endpoint
// and the issuer, the two values servers take: RFC 7523 asks for "a value that identifies the
// authorization server", and RFC 7519 section 4.1.3 has a server accept an aud array holding one value
// it identifies with. A server that wants the issuer as the sole value (FAPI 2,
// draft-ietf-oauth-rfc7523bis) or the token endpoint alone is configured so.
func AssertionAudience(t *target.Target) any {
	switch {
	case t.AssertionAudience == target.AssertionAudienceIssuer && t.Issuer != "":
		return t.Issuer
	case t.AssertionAudience == target.AssertionAudienceToken, t.Issuer == "", t.Issuer == t.Token:
		return t.Token
	}
	return []string{t.Token, t.Issuer}
}

// TokenScope is the scope a spec's token requests ask for: the profile's management scope when it has
// one (CDR), else its scope.
func (f *Framework) TokenScope() string {
	if s := f.Profile().ManagementScope; s != "" {
		return s
	}
	return f.Scope()
}

// TokenForm is a client_credentials token request authenticated with the given client assertion.
func (f *Framework) TokenForm(reg *Registration, assertion string) url.Values {
	return withScope(url.Values{
		"grant_type":            {"client_credentials"},
		"client_id":             {reg.ClientID},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
	}, f.TokenScope())
}

// withScope adds scope to a token request form, unless it is empty (no scope is then requested).
func withScope(form url.Values, scope string) url.Values {
	if scope != "" {
		form.Set("scope", scope)
	}
	return form
}

// PostToken sends a token request form with the given client certificate.
func (f *Framework) PostToken(form url.Values, cert *tls.Certificate) (*client.Response, error) {
	return f.PostTokenAuthorized(form, cert, "")
}

// PostTokenAuthorized sends a token request form with the given certificate and Authorization header.
func (f *Framework) PostTokenAuthorized(form url.Values, cert *tls.Certificate, authorization string) (*client.Response, error) {
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept": {"application/json"}}
	if authorization != "" {
		h.Set("Authorization", authorization)
	}
	return f.Do(client.Request{Method: "POST", URL: f.Target.Token, Header: h, Body: []byte(form.Encode()), Cert: cert})
}

// authMethod is the client's token_endpoint_auth_method: as the bank answered, else as sent, else
// client_secret_basic (RFC 7591's default) for a client holding a secret and private_key_jwt otherwise.
func authMethod(reg *Registration) string {
	if m, _ := reg.Metadata["token_endpoint_auth_method"].(string); m != "" {
		return m
	}
	if m, _ := reg.Claims["token_endpoint_auth_method"].(string); m != "" {
		return m
	}
	if reg.ClientSecret != "" {
		return "client_secret_basic"
	}
	return "private_key_jwt"
}

// TryToken requests a client_credentials token for reg with valid credentials.
func (f *Framework) TryToken(reg *Registration) (*client.Response, error) {
	return f.TryTokenScope(reg, f.TokenScope())
}

// TryTokenScope requests a client_credentials token with the given scope, authenticating as the
// client registered: tls_client_auth, client_secret_basic or _post, or private_key_jwt.
func (f *Framework) TryTokenScope(reg *Registration, scope string) (*client.Response, error) {
	cert := f.Cert(reg.Software)
	if reg.TLSClientAuth {
		form := withScope(url.Values{"grant_type": {"client_credentials"}, "client_id": {reg.ClientID}}, scope)
		return f.PostToken(form, reg.Software.Transport)
	}
	switch authMethod(reg) {
	case "tls_client_auth":
		form := withScope(url.Values{"grant_type": {"client_credentials"}, "client_id": {reg.ClientID}}, scope)
		return f.PostToken(form, reg.Software.Transport)
	case "client_secret_basic":
		form := withScope(url.Values{"grant_type": {"client_credentials"}}, scope)
		return f.PostTokenAuthorized(form, cert, ClientSecretBasic(reg.ClientID, reg.ClientSecret))
	case "client_secret_post":
		form := withScope(url.Values{"grant_type": {"client_credentials"}, "client_id": {reg.ClientID}, "client_secret": {reg.ClientSecret}}, scope)
		return f.PostToken(form, cert)
	}
	assertion, err := joseutil.Sign(f.AssertionClaims(reg), reg.Software.SigningKey, "JWT")
	if err != nil {
		f.Failf("to sign the client assertion", "%v", err)
	}
	form := f.TokenForm(reg, assertion)
	form.Del("scope")
	return f.PostToken(withScope(form, scope), cert)
}

// AccessToken gets a client_credentials access token for reg and expects success (RFC 6749 section 5.1).
func (f *Framework) AccessToken(reg *Registration) string {
	return f.AccessTokenScope(reg, f.TokenScope())
}

// AccessTokenScope gets an access token with the given scope and expects success.
func (f *Framework) AccessTokenScope(reg *Registration, scope string) string {
	resp, err := f.TryTokenScope(reg, scope)
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
	return strings.TrimRight(f.RegistrationEndpoint(), "/") + "/" + url.PathEscape(clientID)
}

// Manage sends a GET, PUT or DELETE for clientID with a bearer token (none when token is empty).
func (f *Framework) Manage(method, clientID, token string, body string, cert *tls.Certificate) (*client.Response, error) {
	return f.ManageAt(method, f.ClientURL(clientID), token, body, cert)
}

// ManageAt sends a GET, PUT or DELETE to a management URL with a bearer token (none when empty); a
// body goes with the profile's content type.
func (f *Framework) ManageAt(method, target, token string, body string, cert *tls.Certificate) (*client.Response, error) {
	h := http.Header{"Accept": {"application/json"}}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	var b []byte
	if body != "" {
		b = []byte(body)
		h.Set("Content-Type", f.ContentType())
	}
	resp, err := f.Do(client.Request{Method: method, URL: target, Header: h, Body: b, Cert: cert})
	f.observeManagement(method, target, resp, err)
	return resp, err
}

// ManagementURL is where reg is managed: its registration_client_uri, else the registration endpoint
// followed by its ClientId.
func (f *Framework) ManagementURL(reg *Registration) string {
	if reg.RegistrationURI != "" {
		return reg.RegistrationURI
	}
	return f.ClientURL(reg.ClientID)
}

// ManagementToken is the Bearer credential of reg's management requests: its registration access
// token (RFC 7592), or a client_credentials access token with the profile's management scope.
func (f *Framework) ManagementToken(reg *Registration) string {
	if f.Profile().ManagementAuth == ManageRegistrationToken {
		if reg.RegistrationToken == "" {
			f.Failf("a registration_access_token for the client (RFC7592-3)", "none was issued")
		}
		return reg.RegistrationToken
	}
	return f.AccessToken(reg)
}

// ManageReg sends a management request for reg the way its profile authorises it, and follows a
// registration access token, client_secret or registration_client_uri that a 200 answer rotates.
func (f *Framework) ManageReg(method string, reg *Registration, body string) (*client.Response, error) {
	resp, err := f.ManageAt(method, f.ManagementURL(reg), f.ManagementToken(reg), body, f.Cert(reg.Software))
	f.FollowRotation(reg, resp, err)
	return resp, err
}

// FollowRotation takes a new registration access token, client_secret or registration_client_uri
// from a 200 client information response (RFC 7592 section 2.1: the client must use them from now on).
func (f *Framework) FollowRotation(reg *Registration, resp *client.Response, err error) {
	if err != nil || resp.Status != http.StatusOK {
		return
	}
	md, jerr := resp.JSONObject()
	if jerr != nil {
		return
	}
	if t, _ := md["registration_access_token"].(string); t != "" && t != reg.RegistrationToken {
		reg.RegistrationToken = t
		ginkgo.AddReportEntry("registration access token rotated", "the harness uses the new one", ginkgo.ReportEntryVisibilityNever)
	}
	if u, _ := md["registration_client_uri"].(string); u != "" {
		reg.RegistrationURI = u
	}
	if s, _ := md["client_secret"].(string); s != "" {
		reg.ClientSecret = s
	}
}

// UpdateBody is a full update request for reg carrying claims. For RFC 7592 management it is the
// metadata with the client's client_id and without the members section 2.2 forbids.
func (f *Framework) UpdateBody(reg *Registration, claims Claims) string {
	if f.Profile().ManagementAuth == ManageRegistrationToken {
		claims = maps.Clone(claims)
		for _, k := range updateForbidden {
			delete(claims, k)
		}
		claims["client_id"] = reg.ClientID
	}
	return f.Encode(reg.Software, claims)
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

// RequireMTLS skips the spec when the profile is configured without mutual TLS.
func (f *Framework) RequireMTLS() {
	if !f.Profile().MTLS {
		f.Skipf("the profile is configured without mutual TLS (overrides.mtls false)")
	}
}

func (f *Framework) RequireDelete() {
	if !f.Target.Supports.Delete {
		f.Skipf("the target does not implement DELETE of a registration (configuration: supports.delete false)")
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

func (f *Framework) registerBaseline() baseline {
	sw := f.Software()
	resp, err := f.TryRegister(sw, f.BaselineClaims(sw))
	if err != nil {
		return baseline{failure: err.Error(), broken: true}
	}
	obj, jerr := resp.JSONObject()
	reg := registrationFrom(sw, nil, obj)
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
	f.deleteQuietly(reg) // now: the spec registers the same software next
	return baseline{}
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
