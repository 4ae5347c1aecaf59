package framework

import (
	"crypto/tls"
	"net/http"
	"net/url"
	"time"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/target"
)

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
