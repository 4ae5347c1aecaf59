package framework

import (
	"crypto/tls"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/onsi/ginkgo/v2"
)

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
			f.SkipSetup("the registration", "no registration_access_token was issued (RFC 7592 section 3), so the client cannot be managed")
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
		reg.RegistrationURI = f.resolveClientURI(u)
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
