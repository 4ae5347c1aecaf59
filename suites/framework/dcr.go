package framework

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
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
func (f *Framework) Software() *target.Software { return f.identity(false) }

// SoftwareWithOwnKeys is Software for a spec whose meaning depends on its identity's keys being no other
// identity's: the directory revokes them (another identity holding them live would hide the revocation
// from a bank that finds keys by kid alone).
func (f *Framework) SoftwareWithOwnKeys() *target.Software { return f.identity(true) }

func (f *Framework) identity(ownKeys bool) *target.Software {
	if f.software != nil {
		return f.software
	}
	if f.Profile().SSA == "" {
		f.software = plainSoftware()
		return f.software
	}
	// Without a directory the target's configured software is the identity, whatever its keys.
	f.software = f.newSoftware(target.SoftwareOptions{OwnKeys: ownKeys && f.Target.Directory != nil})
	return f.software
}

// plainSoftware is a software identity that needs no directory: an ID and two redirect URIs.
func plainSoftware() *target.Software {
	id := NewID()[:16]
	base := "https://client-" + id + ".example.org"
	return &target.Software{ID: id, RedirectURIs: []string{base + "/callback", base + "/callback2"}}
}

// NewSoftware creates another software identity, with keys of its own (no other identity of the run
// has them: it stands for another software); the spec is skipped when the target has no directory.
func (f *Framework) NewSoftware(opts target.SoftwareOptions) *target.Software {
	opts.OwnKeys = true
	return f.newSoftware(opts)
}

// newSoftware creates a software identity; without OwnKeys its RSA keys may be shared with other
// identities of the run (the spec's own identity needs a software of its own, not keys of its own).
func (f *Framework) newSoftware(opts target.SoftwareOptions) *target.Software {
	if f.Profile().SSA == "" {
		return plainSoftware()
	}
	if f.Target.Directory == nil {
		if opts.KeyType == "" && !opts.OwnKeys && f.software == nil && f.Target.Software != nil {
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
			if reg := f.registrationFrom(sw, nil, obj); reg.ClientID != "" {
				f.track(reg)
			}
		}
	}
	return resp, err
}

func (f *Framework) registrationFrom(sw *target.Software, claims Claims, md map[string]any) *Registration {
	reg := &Registration{Software: sw, Claims: claims, Metadata: md}
	reg.ClientID, _ = md["client_id"].(string)
	reg.ClientSecret, _ = md["client_secret"].(string)
	reg.RegistrationToken, _ = md["registration_access_token"].(string)
	uri, _ := md["registration_client_uri"].(string)
	reg.RegistrationURI = f.resolveClientURI(uri)
	return reg
}

// resolveClientURI resolves a registration_client_uri that is a relative reference against the
// registration endpoint (RFC 3986 section 5), so that the harness still manages a client whose bank
// breaks RFC 7592 appendix B's fully qualified URL (RFC-REG-008 judges that); an absolute one stays.
func (f *Framework) resolveClientURI(uri string) string {
	ref, err := url.Parse(uri)
	if uri == "" || err != nil || ref.IsAbs() {
		return uri
	}
	base, err := url.Parse(f.RegistrationEndpoint())
	if err != nil {
		return uri
	}
	return base.ResolveReference(ref).String()
}

// TryRegister encodes claims as the profile does and posts them with its certificate and Authorization.
func (f *Framework) TryRegister(sw *target.Software, claims Claims) (*client.Response, error) {
	return f.PostRegistration(sw, f.Encode(sw, claims), f.ContentType(), f.Cert(sw))
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
