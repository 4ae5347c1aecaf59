package bank

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/dcrconform/dcrconform/harness/profiles"
)

// Profiles (DCR dialects) the bank serves, each at its own registration path.
const (
	ProfileUK      = "uk"      // UK OBIE DCR 3.3 (3.1, 3.2 and 3.4 at their own paths)
	ProfileCDR     = "cdr"     // AU CDR DCR 0.2 (seed 001)
	ProfileGeneric = "generic" // the generic accelerator's DCR 0.1 (seed 004)
	ProfileIS      = "is"      // Identity Server DCR v1.1 (seed 000)
	ProfileRFC7591 = "rfc7591" // plain RFC 7591 registration with RFC 7592 management
)

// dialect is how one profile registers and manages clients.
type dialect struct {
	name              string
	version           string   // UK OBIE DCR version of a uk dialect ("" for the others)
	path              string   // registration endpoint; management at path/{ClientId}
	jsonBody          bool     // JSON metadata instead of a signed JWT
	ssa               string   // "uk" or "cdr" software statements; "" for none (plain RFC 7591)
	mtls              bool     // registration, management and its clients' token requests need a certificate
	basicAuth         bool     // registration needs the administrator's HTTP Basic credentials
	initialToken      bool     // registration needs Config.InitialAccessToken, when one is set
	registrationToken bool     // management by RFC 7592 registration_access_token
	managementScope   string   // scope a management access token must carry
	issuesSecret      bool     // a client_secret whatever the auth method (Identity Server)
	extFields         bool     // Identity Server's ext_* members in the response
	issuedAtString    bool     // client_id_issued_at as a string (seed 004)
	authMethods       []string // token_endpoint_auth_method values accepted
}

var (
	mtlsMethods   = []string{"private_key_jwt", "tls_client_auth"}
	secretMethods = []string{"client_secret_basic", "client_secret_post"}
)

// dialects are the bank's side of each profile of the registry (harness/profiles), which gives its
// name, path, body, SSA and authorisation; the rest is how the bank answers.
var dialects = []*dialect{
	of(ProfileUK, dialect{version: "3.3", authMethods: mtlsMethods}),
	of(ProfileUK, dialect{version: "3.4", path: "/open-banking/v3.4/register", authMethods: mtlsMethods}),
	of(ProfileUK, dialect{version: "3.2", path: "/open-banking/v3.2.0/register", authMethods: mtlsMethods}),
	of(ProfileUK, dialect{version: "3.1", path: "/open-banking/v3.1.0/register", authMethods: mtlsMethods}),
	of(ProfileCDR, dialect{authMethods: []string{"private_key_jwt"}}),
	of(ProfileGeneric, dialect{issuedAtString: true, authMethods: mtlsMethods}),
	of(ProfileIS, dialect{issuesSecret: true, extFields: true, authMethods: mtlsMethods}),
	of(ProfileRFC7591, dialect{authMethods: secretMethods}),
}

// of completes the bank's dialect d of a profile with what the registry says of it; d.path, when set,
// replaces the registry's (an earlier version's endpoint).
func of(name string, d dialect) *dialect {
	p, ok := profiles.Lookup(name)
	if !ok {
		panic("bank: profile " + name + " is not in the registry (harness/profiles)")
	}
	d.name, d.ssa, d.mtls, d.managementScope = p.Name, p.SSA, p.MTLS, p.ManagementScope
	d.jsonBody = p.Body == profiles.BodyJSON
	d.basicAuth = p.RegistrationAuth == profiles.RegAuthBasic
	d.initialToken = p.RegistrationAuth == profiles.RegAuthInitialToken
	d.registrationToken = p.ManagementAuth == profiles.ManageRegistrationToken
	if d.path == "" {
		d.path = p.RegistrationPath
	}
	return &d
}

// Profiles lists the profiles the bank serves.
func Profiles() []string {
	var out []string
	for _, d := range dialects {
		if !slices.Contains(out, d.name) {
			out = append(out, d.name)
		}
	}
	return out
}

// RegistrationPath is the registration endpoint path of a profile; "" for an unknown one.
func RegistrationPath(profile string) string {
	if d := dialectNamed(profile); d != nil {
		return d.path
	}
	return ""
}

// RegistrationPathVersion is the registration endpoint path of a UK OBIE DCR version (3.1, 3.2, 3.3, 3.4);
// "" for an unknown one.
func RegistrationPathVersion(version string) string {
	for _, d := range dialects {
		if d.name == ProfileUK && d.version == version {
			return d.path
		}
	}
	return ""
}

func dialectNamed(name string) *dialect {
	for _, d := range dialects {
		if d.name == name {
			return d
		}
	}
	return nil
}

// route finds the dialect serving a path, and the ClientId for a management path.
func route(path string) (d *dialect, clientID string, ok bool) {
	for _, d := range dialects {
		if path == d.path || path == d.path+"/" {
			return d, "", true
		}
		if id, found := strings.CutPrefix(path, d.path+"/"); found && validClientID(id) {
			return d, id, true
		}
	}
	return nil, "", false
}

// authorizeRegistration checks the credentials a dialect's registration needs besides mTLS: the
// administrator's HTTP Basic credentials, or the RFC 7591 initial access token.
func (b *Bank) authorizeRegistration(r *http.Request, d *dialect) *apiError {
	if d.basicAuth {
		user, pass, ok := r.BasicAuth()
		good := ok && equalSecret(user, b.cfg.AdminUser) && equalSecret(pass, b.cfg.AdminPassword)
		if !good && !b.has("is-skip-basic-auth") {
			return &apiError{status: http.StatusUnauthorized, code: errInvalidClient, basic: true,
				desc: "registration needs the administrator's HTTP Basic credentials"}
		}
	}
	if d.initialToken && b.cfg.InitialAccessToken != "" {
		tok, ok := bearerToken(r.Header.Get("Authorization"))
		if (!ok || !equalSecret(tok, b.cfg.InitialAccessToken)) && !b.has("rfc7591-skip-initial-access-token") {
			e := badToken("registration needs a valid initial access token (RFC 7591 section 3)")
			e.noCredentials = !ok
			return e
		}
	}
	return nil
}

func equalSecret(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// Client information response operations.
const (
	opCreate = "create"
	opRead   = "read"
	opUpdate = "update"
)

// clientInfo is the client's metadata as a dialect answers it after op: with the credentials and
// members the dialect adds (client_secret, RFC 7592 registration token and URI, Identity Server's ext_*).
func (b *Bank) clientInfo(r *http.Request, d *dialect, c *client, op string) map[string]any {
	out := c.response()
	if op == opCreate && b.has("ssa-echo-decoded") {
		out["software_statement"] = decodedClaims(out["software_statement"])
	}
	if op == opCreate && d.ssa == "cdr" && b.has("cdr-omit-ssa-metadata") {
		delete(out, "software_id")
		delete(out, "jwks_uri")
	}
	if op == opRead && b.has("read-omits-software-id") {
		delete(out, "software_id")
	}
	if d.issuedAtString {
		out["client_id_issued_at"] = strconv.FormatInt(c.issuedAt, 10)
	}
	if c.secret != "" && (op == opCreate || d.registrationToken) {
		out["client_secret"] = c.secret
		if !b.has("omit-client-secret-expires-at") && !(op == opUpdate && b.has("rfc7592-put-omits-secret-expiry")) {
			out["client_secret_expires_at"] = 0 // RFC 7591 section 3.2.1: required with a secret; 0 never expires
		}
	}
	if d.registrationToken {
		omit := (op == opCreate && b.has("rfc7592-omit-registration-token")) ||
			(op == opRead && b.has("rfc7592-read-omits-registration-token"))
		if !omit {
			out["registration_access_token"] = c.regToken
			out["registration_client_uri"] = b.issuerFor(r) + d.path + "/" + b.clientSegment(c.id)
			if b.has("rfc7592-relative-client-uri") {
				out["registration_client_uri"] = d.path + "/" + b.clientSegment(c.id)
			}
		}
	}
	b.breakAnswer(d, op, out)
	if d.extFields && !b.has("is-omit-ext-fields") {
		name, _ := c.reg.metadata["client_name"].(string)
		if name == "" {
			name = c.reg.softwareID
		}
		for k, v := range map[string]any{
			"ext_application_display_name": name, "ext_application_version": "v1.0.0",
			"ext_application_owner": b.cfg.AdminUser, "ext_application_token_lifetime": int(tokenLifetime.Seconds()),
			"ext_user_token_lifetime": 3600, "ext_refresh_token_lifetime": 86400, "ext_id_token_lifetime": 3600,
			"ext_pkce_mandatory": false, "ext_pkce_support_plain": false, "ext_public_client": false,
			"ext_token_type": "JWT", "ext_allowed_audience": "organization",
		} {
			if _, sent := out[k]; !sent {
				out[k] = v
			}
		}
	}
	return out
}

// decodedClaims is a compact JWT's payload as an object (the JWT itself where it does not decode).
func decodedClaims(token any) any {
	s, _ := token.(string)
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return token
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	if err != nil || json.Unmarshal(payload, &claims) != nil {
		return token
	}
	return claims
}

// hasScope reports whether a space-separated scope holds want.
func hasScope(scope, want string) bool { return slices.Contains(strings.Fields(scope), want) }

// opaquePrefix starts the path segment of a client configuration endpoint URL that hides the client_id
// (the defect rfc7592-opaque-client-uri).
const opaquePrefix = "h-"

// clientSegment is the last path segment of an RFC 7592 client configuration endpoint URL: the
// client_id, as RFC 7592 appendix B recommends, or, the defect rfc7592-opaque-client-uri, a handle
// that encodes it.
func (b *Bank) clientSegment(id string) string {
	if b.opaqueClientURIs {
		return opaquePrefix + base64.RawURLEncoding.EncodeToString([]byte(id))
	}
	return url.PathEscape(id)
}

// clientOfSegment is the client_id a configuration endpoint URL's last segment names.
func (b *Bank) clientOfSegment(seg string) string {
	handle, found := strings.CutPrefix(seg, opaquePrefix)
	if !b.opaqueClientURIs || !found {
		return seg
	}
	id, err := base64.RawURLEncoding.DecodeString(handle)
	if err != nil {
		return seg
	}
	return string(id)
}
