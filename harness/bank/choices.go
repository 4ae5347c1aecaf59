package bank

import (
	"fmt"
	"slices"
	"strings"
)

// Choices are the bank's answers where the specifications leave a server a choice. Every combination
// is a correct bank: the suites must pass against each (no false failure) and still catch every
// defect. The zero value is the reference bank's default.
type Choices struct {
	// RotateOnRead: RFC 7592 section 2.1 lets a server issue a new registration access token on any
	// read; the bank then does so on GET as well as on PUT, and the old token stops working.
	RotateOnRead bool

	// AssertionAudience: the aud a private_key_jwt client assertion must name (RFC 7523 section 3
	// leaves it to the server): "" the token endpoint or the issuer, "token-endpoint", or "issuer".
	AssertionAudience string

	// RequireKID: request JWTs and client assertions must carry a kid; without, a JWS lacking one is
	// tried against every key of the software's key set (RFC 7515 makes kid optional).
	RequireKID bool

	// GlobalJTI: a jti is remembered across every software and client, not per issuer, so a replay
	// is refused whoever sends it again.
	GlobalJTI bool

	// UnapprovedError is the error code of an SSA whose software or organisation is not active: ""
	// for unapproved_software_statement, or invalid_software_statement (RFC 7591 section 3.2.2 allows both).
	UnapprovedError string

	// BodyError is the error code of a registration body that cannot be read (empty, not JSON or JWS,
	// wrong media type, too large): "" for invalid_client_metadata, or invalid_request.
	BodyError string

	// SubjectDNAtToken: a tls_client_auth_subject_dn is not compared with the transport certificate at
	// registration; the token endpoint refuses a certificate whose subject is not it (RFC 8705 section
	// 2.1.2 and OBIE DCR let a bank check it there).
	SubjectDNAtToken bool

	// UnboundTokens: discovery does not advertise tls_client_certificate_bound_access_tokens, the
	// registration answer does not echo it, and access tokens are not bound to the certificate (RFC 8705
	// section 3: binding is opt-in outside FAPI).
	UnboundTokens bool

	// LiveKeysOnly: revoked software is refused because its request signing key is no longer in its
	// software_jwks_endpoint (invalid_client_metadata), without reading software_jwks_revoked_endpoint.
	LiveKeysOnly bool

	// FragmentError is the error code of a redirect URI with a fragment: "" for invalid_redirect_uri, or
	// invalid_client_metadata (no MUST names the code).
	FragmentError string

	// ReplaceMetadata: the bank replaces a requested metadata value with its own (RFC 7591 section
	// 3.2.1): client_name gets the suffix replacedNameSuffix; a grant type, response type or
	// application_type it does not support is registered as one it does, not refused (OBIE DCR's "accept
	// the request and modify the value of the field to one that it supports"), and a public client
	// (token_endpoint_auth_method none) as a private_key_jwt one.
	ReplaceMetadata bool

	// CDRCodeFlowOnly: the CDR data holder has retired the OIDC hybrid flow (allowed since July 2023):
	// discovery and the cdr registration accept response type code alone.
	CDRCodeFlowOnly bool

	// IDTokenEncryption is the one ID-token encryption alg/enc pair the bank supports and advertises:
	// "" for RSA-OAEP/A256GCM, or RSA-OAEP-256/A128CBC-HS256.
	IDTokenEncryption string

	// DuplicateError is the error code of a second CDR registration of one software product: "" for
	// invalid_client_metadata, or invalid_software_statement or unapproved_software_statement (the CDR
	// standards require only a 400).
	DuplicateError string

	// HandshakeClientAuth: the server refuses a connection without a client certificate in the TLS
	// handshake (tls.RequireAndVerifyClientCert), not with an HTTP answer.
	HandshakeClientAuth bool

	// RFC7591PrivateKeyJWT: the plain RFC 7591 registration takes private_key_jwt clients (with their
	// jwks) alone, and issues them no client_secret; the embedded target tells the harness so.
	RFC7591PrivateKeyJWT bool

	// FixedRedirectURIs: a UK update (PUT) that changes redirect_uris is refused with
	// invalid_redirect_uri (OBIE DCR: "The ASPSP may reject the request if it does not support changes
	// to certain claims").
	FixedRedirectURIs bool

	// MergePatch: the plain RFC 7592 client configuration endpoint also takes PATCH, a JSON merge of the
	// body into the registered metadata (RFC 7592 defines GET, PUT and DELETE; section 2 binds only a
	// server that does not support a method).
	MergePatch bool
}

// replacedNameSuffix is what ReplaceMetadata appends to a client_name.
const replacedNameSuffix = " (registered by the reference bank)"

// ID-token encryption pairs of IDTokenEncryption.
const (
	idTokenEncDefault = "RSA-OAEP/A256GCM"
	idTokenEncOther   = "RSA-OAEP-256/A128CBC-HS256"
)

// choice is one setting of Choices for the command line (NAME=VALUE), its legal values default first.
type choice struct {
	name, description string
	values            []string
	set               func(c *Choices, v string)
}

var choiceCatalogue = []choice{
	{"registration-token", "RFC 7592: when the registration access token rotates", []string{"on-update", "on-read-and-update"},
		func(c *Choices, v string) { c.RotateOnRead = v == "on-read-and-update" }},
	{"assertion-aud", "the aud a client assertion must name", []string{"token-endpoint-or-issuer", "token-endpoint", "issuer"},
		func(c *Choices, v string) {
			if v != "token-endpoint-or-issuer" {
				c.AssertionAudience = v
			}
		}},
	{"kid", "whether request JWTs and client assertions must carry a kid", []string{"optional", "required"},
		func(c *Choices, v string) { c.RequireKID = v == "required" }},
	{"jti-replay", "the scope in which a request or assertion jti may not be used again", []string{"per-issuer", "global"},
		func(c *Choices, v string) { c.GlobalJTI = v == "global" }},
	{"unapproved-error", "the error code for an SSA of inactive software or organisation", []string{errUnapprovedSSA, errInvalidSSA},
		func(c *Choices, v string) { c.UnapprovedError = v }},
	{"body-error", "the error code for a registration body that cannot be read", []string{errInvalidClientMetadata, errInvalidRequest},
		func(c *Choices, v string) { c.BodyError = v }},
	{"subject-dn-check", "where a tls_client_auth_subject_dn is compared with the certificate", []string{"registration", "token-endpoint"},
		func(c *Choices, v string) { c.SubjectDNAtToken = v == "token-endpoint" }},
	{"token-binding", "whether access tokens are certificate-bound (and discovery says so)", []string{"bound", "unbound"},
		func(c *Choices, v string) { c.UnboundTokens = v == "unbound" }},
	{"revocation", "how revoked software is recognised: its key in the revoked key set, or missing from the live one", []string{"revoked-jwks", "live-jwks"},
		func(c *Choices, v string) { c.LiveKeysOnly = v == "live-jwks" }},
	{"fragment-error", "the error code for a redirect URI with a fragment", []string{errInvalidRedirectURI, errInvalidClientMetadata},
		func(c *Choices, v string) { c.FragmentError = v }},
	{"metadata", "whether the bank registers requested metadata values as sent or replaces some", []string{"as-sent", "replaced"},
		func(c *Choices, v string) { c.ReplaceMetadata = v == "replaced" }},
	{"cdr-response-types", "the response types a CDR data holder registers", []string{"code-and-hybrid", "code"},
		func(c *Choices, v string) { c.CDRCodeFlowOnly = v == "code" }},
	{"id-token-encryption", "the ID-token encryption alg/enc the bank supports", []string{idTokenEncDefault, idTokenEncOther},
		func(c *Choices, v string) {
			if v != idTokenEncDefault {
				c.IDTokenEncryption = v
			}
		}},
	{"cdr-duplicate-error", "the error code for a second CDR registration of one software product", []string{errInvalidClientMetadata, errInvalidSSA, errUnapprovedSSA},
		func(c *Choices, v string) { c.DuplicateError = v }},
	{"client-cert", "where a request without a client certificate is refused", []string{"http", "handshake"},
		func(c *Choices, v string) { c.HandshakeClientAuth = v == "handshake" }},
	{"rfc7591-auth", "how plain RFC 7591 clients authenticate at the token endpoint", []string{"client_secret", "private_key_jwt"},
		func(c *Choices, v string) { c.RFC7591PrivateKeyJWT = v == "private_key_jwt" }},
	{"uk-update-redirect-uris", "whether a UK update (PUT) may change redirect_uris", []string{"changeable", "fixed"},
		func(c *Choices, v string) { c.FixedRedirectURIs = v == "fixed" }},
	{"rfc7592-patch", "whether the plain RFC 7592 client configuration endpoint takes PATCH (a JSON merge)", []string{"unsupported", "merge"},
		func(c *Choices, v string) { c.MergePatch = v == "merge" }},
}

// ChoiceCombinations lists every combination of the named choices' values (every choice when none
// is named) as NAME=VALUE settings.
func ChoiceCombinations(names ...string) [][]string {
	combos := [][]string{nil}
	for _, c := range choiceCatalogue {
		if len(names) > 0 && !slices.Contains(names, c.name) {
			continue
		}
		var next [][]string
		for _, combo := range combos {
			for _, v := range c.values {
				next = append(next, append(slices.Clone(combo), c.name+"="+v))
			}
		}
		combos = next
	}
	return combos
}

// ChoiceNames lists every choice as "name=value1|value2: description", the default value first.
func ChoiceNames() []string {
	var out []string
	for _, c := range choiceCatalogue {
		out = append(out, c.name+"="+strings.Join(c.values, "|")+": "+c.description)
	}
	return out
}

// ChoiceValues lists the legal values of each choice by name, the default first.
func ChoiceValues() map[string][]string {
	out := map[string][]string{}
	for _, c := range choiceCatalogue {
		out[c.name] = slices.Clone(c.values)
	}
	return out
}

// ParseChoices reads NAME=VALUE settings into Choices.
func ParseChoices(settings []string) (Choices, error) {
	var ch Choices
	for _, s := range settings {
		name, value, _ := strings.Cut(s, "=")
		i := slices.IndexFunc(choiceCatalogue, func(c choice) bool { return c.name == name })
		if i < 0 {
			return ch, fmt.Errorf("unknown choice %q (one of %s)", name, strings.Join(ChoiceNames(), "; "))
		}
		if !slices.Contains(choiceCatalogue[i].values, value) {
			return ch, fmt.Errorf("choice %s: %q is not one of %s", name, value, strings.Join(choiceCatalogue[i].values, ", "))
		}
		choiceCatalogue[i].set(&ch, value)
	}
	return ch, nil
}
