// Package common holds spec bodies that several profiles share: each profile package declares its
// own scenarios (IDs, requirements, titles) with framework.ConformanceIt and runs these bodies, which
// build every request through the profile (encoding, credentials, management authorisation).
package common

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// OBScope is the default scope of the Open Banking profiles (UK, CDR, generic, Identity Server):
// account and payment access. Plain RFC 7591 has no default scope, and sends none unless configured.
const OBScope = "openid accounts payments"

// RegisterWithoutCertificate registers the baseline without a client certificate and expects it refused:
// the handshake, or 400, 401 or 403.
func RegisterWithoutCertificate(f *framework.Framework) {
	sw := f.Software()
	resp, err := f.PostRegistration(sw, f.Encode(sw, f.BaselineClaims(sw)), f.ContentType(), nil)
	f.ExpectRefusedWithoutCertificate(resp, err)
}

// Scenario constructors for a profile's package.
func Positive(profile, id, op, req, title, expect string) framework.Scenario {
	return framework.Scenario{ID: id, Title: title, Requirement: req, Profile: profile, Operation: op, Kind: framework.Positive, Expect: expect}
}

func Negative(profile, id, op, req, title, expect string) framework.Scenario {
	return framework.Scenario{ID: id, Title: title, Requirement: req, Profile: profile, Operation: op, Kind: framework.Negative, Expect: expect}
}

// ExpectText is the expected outcome of an error: "400 code1|code2".
func ExpectText(statuses []int, codes []string) string {
	parts := make([]string, len(statuses))
	for i, s := range statuses {
		parts[i] = strconv.Itoa(s)
	}
	return strings.Join(parts, "/") + " " + strings.Join(codes, "|")
}

// Replaceable are the display metadata a server may replace with values of its own (RFC 7591 section
// 3.2.1): an answer must carry them when they were sent, but need not carry the sent value; a later
// read or update answer is compared with what the server answered before (ExpectAsAnswered). The other
// members carry what the later requests rely on (redirect URIs, auth method, grants) and must be echoed.
var Replaceable = []string{"client_name", "client_uri", "logo_uri", "policy_uri", "tos_uri"}

// ExpectEchoed fails unless md returns every member of members that claims carried, unchanged
// (RFC 7591 section 3.2.1) unless Replaceable, and client_id_issued_at, when present, is a number or a
// string. Every member that differs is reported, in one failure.
func ExpectEchoed(f *framework.Framework, claims framework.Claims, md map[string]any, members []string) {
	ExpectAsAnswered(f, claims, nil, md, members)
}

// ExpectSSAReturned fails unless the registration answer returns the software_statement sent, unmodified
// (RFC 7591 section 3.2.1).
func ExpectSSAReturned(f *framework.Framework, reg *framework.Registration) {
	if got := reg.Metadata["software_statement"]; got != reg.Claims["software_statement"] {
		f.Failf("the software_statement returned unmodified", "software_statement %.60v…", got)
	}
}

// ExpectAsAnswered is ExpectEchoed for an answer that follows an earlier one (answered, nil for none):
// a Replaceable member must then be what the server answered before.
func ExpectAsAnswered(f *framework.Framework, claims framework.Claims, answered, md map[string]any, members []string) {
	c := f.Checks()
	for _, k := range members {
		sent, ok := claims[k]
		if !ok {
			continue
		}
		got, present := md[k]
		before, answeredBefore := answered[k]
		replaceable := slices.Contains(Replaceable, k)
		switch {
		case !present:
			c.Add(fmt.Sprintf("%s %v in the response metadata (RFC7591-3.2.1)", k, sent), "%s missing", k)
		case replaceable && answeredBefore && !sameMember(k, before, got):
			c.Add(fmt.Sprintf("%s %v, as the server answered it before (RFC7591-3.2.1)", k, before), "%s %v", k, got)
		case !replaceable && !sameMember(k, sent, got):
			c.Add(fmt.Sprintf("%s %v as registered (RFC7591-3.2.1)", k, sent), "%s %v", k, got)
		}
	}
	switch v := md["client_id_issued_at"].(type) {
	case nil:
	case string, fmt.Stringer: // a number (json.Number) or a string: banks send both
	default:
		c.Add("client_id_issued_at as a number or a string (RFC7591-3.2.1)", "%T", v)
	}
	c.Done()
}

// SameJSON compares a sent value with a decoded one. Arrays of strings compare as sets, since order
// carries no meaning in client metadata; so do the space-separated values of scope.
func SameJSON(sent, got any) bool {
	if s, ok := sent.([]string); ok {
		g, ok := got.([]any)
		if !ok || len(g) != len(s) {
			return false
		}
		gs := make([]string, len(g))
		for i, v := range g {
			if gs[i], ok = v.(string); !ok {
				return false
			}
		}
		return sameSet(s, gs)
	}
	return reflect.DeepEqual(sent, got)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func sameMember(k string, sent, got any) bool {
	if k == "scope" {
		s, sok := sent.(string)
		g, gok := got.(string)
		return sok && gok && sameSet(strings.Fields(s), strings.Fields(g))
	}
	return SameJSON(sent, got)
}

// Register registers the baseline, judging the answer strictly (the spec owns RFC 7591 section
// 3.2.1's answer), and checks that it echoes members.
func Register(f *framework.Framework, members []string) *framework.Registration {
	reg := f.ExpectRegisterBaseline()
	ExpectEchoed(f, reg.Claims, reg.Metadata, members)
	return reg
}

// Token registers the baseline and gets a client_credentials access token, judged strictly.
func Token(f *framework.Framework) {
	f.ExpectAccessToken(f.RegisterBaseline())
}

// Read registers the baseline, reads it back with the profile's management credential and checks
// the client_id and the echoed members.
func Read(f *framework.Framework, members []string) *framework.Registration {
	f.RequireRead()
	reg := f.RegisterBaseline()
	resp, err := f.ManageReg("GET", reg, "")
	f.ExpectStatus(resp, err, http.StatusOK)
	got := f.ExpectJSON(resp)
	if got["client_id"] != reg.ClientID {
		f.Failf("client_id "+reg.ClientID+" (RFC7592-3)", "client_id %v", got["client_id"])
	}
	ExpectAsAnswered(f, reg.Claims, reg.Metadata, got, members)
	reg.Metadata = got
	return reg
}

// Update registers the baseline, sends a full update whose only change is the redirect URI (the
// software's second one), expects 200 showing it, and a later read showing it too, made with the
// credential the update was made with (an update keeps the client's access tokens valid; a rotated
// registration access token is followed).
func Update(f *framework.Framework, members []string) {
	f.RequireUpdate()
	sw := f.Software()
	if len(sw.RedirectURIs) < 2 {
		f.Skipf("the software has a single redirect URI; changing it needs two")
	}
	reg := f.RegisterBaseline()
	changed := f.BaselineClaims(sw).With("redirect_uris", []string{sw.RedirectURIs[1]})
	if f.Profile().Encoding == framework.EncodingJSON && f.Profile().SSA == "" {
		changed = reg.Claims.With("redirect_uris", []string{sw.RedirectURIs[1]})
	}
	tok, cert := f.ManagementToken(reg), f.Cert(reg.Software)
	resp, err := f.ManageAt("PUT", f.ManagementURL(reg), tok, f.UpdateBody(reg, changed), cert)
	f.FollowRotation(reg, resp, err)
	f.ExpectStatus(resp, err, http.StatusOK)
	updated := f.ExpectJSON(resp)
	ExpectEchoed(f, changed, updated, members)
	if !f.Target.Supports.Read {
		return
	}
	if f.Profile().ManagementAuth == framework.ManageRegistrationToken {
		tok = reg.RegistrationToken
	}
	resp, err = f.ManageAt("GET", f.ManagementURL(reg), tok, "", cert)
	f.ExpectStatus(resp, err, http.StatusOK)
	ExpectAsAnswered(f, changed, updated, f.ExpectJSON(resp), members)
}

// Delete registers the baseline, deletes it (204) and expects a later read with the same credential
// to be 401.
func Delete(f *framework.Framework) {
	f.RequireDelete()
	reg := f.RegisterBaseline()
	tok := f.ManagementToken(reg)
	cert := f.Cert(reg.Software)
	resp, err := f.ManageAt("DELETE", f.ManagementURL(reg), tok, "", cert)
	f.ExpectStatus(resp, err, http.StatusNoContent)
	if !f.Target.Supports.Read {
		return
	}
	resp, err = f.ManageAt("GET", f.ManagementURL(reg), tok, "", cert)
	f.ExpectStatus(resp, err, http.StatusUnauthorized)
}

// TokensStayRevoked registers the baseline, takes an access token, deletes the client and registers
// the same software again: the deleted client's token must be refused (401) for the new client too.
// A DELETE that is not carried out skips the spec: the DELETE's answer is other specs' to judge.
func TokensStayRevoked(f *framework.Framework) {
	f.RequireDelete()
	f.RequireRead()
	reg := f.RegisterBaseline()
	tok, cert := f.AccessToken(reg), f.Cert(reg.Software)
	resp, err := f.ManageAt("DELETE", f.ManagementURL(reg), tok, "", cert)
	if err != nil || resp.Status/100 != 2 {
		f.Skipf("the DELETE this spec starts from was not carried out (%s)", statusOrError(resp, err))
	}
	again := f.Register(reg.Software, f.BaselineClaims(reg.Software))
	resp, err = f.ManageAt("GET", f.ManagementURL(again), "never-issued-"+framework.NewID(), "", cert)
	if err == nil && resp.Status == http.StatusOK {
		f.Skipf("the bank serves a token it never issued: what a deleted client's token does is then not this spec's to judge")
	}
	resp, err = f.ManageAt("GET", f.ManagementURL(again), tok, "", cert)
	f.ExpectStatus(resp, err, http.StatusUnauthorized)
}

func statusOrError(resp *client.Response, err error) string {
	if err != nil {
		return err.Error()
	}
	return resp.StatusText()
}

// Operation is a management operation: its method, scenario operation and ID part.
type Operation struct {
	Method, Label, Part string
	Require             func(f *framework.Framework)
}

// Operations are GET, PUT and DELETE of a registration.
var Operations = []Operation{
	{"GET", "read", "GET", (*framework.Framework).RequireRead},
	{"PUT", "update", "PUT", (*framework.Framework).RequireUpdate},
	{"DELETE", "delete", "DEL", (*framework.Framework).RequireDelete},
}

// Body is what op sends for reg: for PUT a valid full update that changes the redirect URI where the
// software has a second one (so that a refused PUT the bank applied anyway shows in a later read),
// nothing otherwise.
func (op Operation) Body(f *framework.Framework, reg *framework.Registration) string {
	if op.Method != "PUT" {
		return ""
	}
	claims := f.BaselineClaims(reg.Software)
	if f.Profile().SSA == "" {
		claims = reg.Claims
	}
	if uris := reg.Software.RedirectURIs; len(uris) > 1 {
		claims = claims.With("redirect_uris", []string{uris[1]})
	}
	return f.UpdateBody(reg, claims)
}

// fapiConfidential are FAPI 1.0 Advanced's client authentication methods (section 5.2.2 (14)), taken as
// the bank's when its discovery document advertises none.
var fapiConfidential = []string{"private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"}

// ExpectConfidentialInstead judges a 201 to a registration asking for a token_endpoint_auth_method the
// bank must not support (sent): RFC 7591 section 2 lets it register one it supports in its place, so the
// answer must name a confidential method the bank advertises (FAPI's, without discovery), not sent.
func ExpectConfidentialInstead(f *framework.Framework, resp *client.Response, sent string) {
	answered := f.ExpectJSON(resp)["token_endpoint_auth_method"]
	got, _ := answered.(string)
	supported := slices.Contains(fapiConfidential, got)
	if list, advertised := f.Discovery()["token_endpoint_auth_methods_supported"].([]any); advertised {
		supported = slices.Contains(list, any(got))
	}
	if !supported || got == sent || got == "none" {
		c := f.Verdict().On(resp)
		c.Add("token_endpoint_auth_method "+sent+" refused, or the client registered with a confidential method the bank supports in its place",
			"201 with token_endpoint_auth_method %v", answered)
		c.Done()
	}
}
