package bank

import (
	"slices"
	"strings"
)

// cdrRequestClaims are the claims of a CDR registration request the holder knows: the JWT's own and the
// client metadata of the standards' ClientRegistration schema. Any other is ignored (CDS Client
// Registration: "Any additional claims MUST be ignored and not returned on completion of the request").
var cdrRequestClaims = []string{
	"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "client_id",
	"client_name", "client_description", "client_uri", "legal_entity_id", "legal_entity_name", "org_id", "org_name",
	"redirect_uris", "sector_identifier_uri", "logo_uri", "tos_uri", "policy_uri", "jwks_uri", "revocation_uri",
	"recipient_base_uri", "token_endpoint_auth_method", "token_endpoint_auth_signing_alg", "grant_types",
	"response_types", "application_type", "id_token_signed_response_alg", "id_token_encrypted_response_alg",
	"id_token_encrypted_response_enc", "authorization_signed_response_alg", "authorization_encrypted_response_alg",
	"authorization_encrypted_response_enc", "request_object_signing_alg", "software_statement", "software_id",
	"software_roles", "scope",
}

// cdrUnknownClaims are the claims of c a CDR holder does not know, sorted.
func cdrUnknownClaims(c claims) []string {
	var out []string
	for name := range c {
		if !slices.Contains(cdrRequestClaims, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// checkCDRClaims applies the CDR rule on claims the holder does not support: ignored, neither refused
// nor registered (the defects cdr-refuse-unknown-claims and cdr-echo-unknown-claims break it).
func (b *Bank) checkCDRClaims(c claims, reg *registration) *apiError {
	unknown := cdrUnknownClaims(c)
	if len(unknown) > 0 && b.has("cdr-refuse-unknown-claims") {
		return badMetadata("claims not supported: %s", strings.Join(unknown, ", "))
	}
	if b.has("cdr-echo-unknown-claims") {
		for _, name := range unknown {
			reg.metadata[name] = c[name]
		}
	}
	return nil
}

// cdrHolderSupports reports whether the reference holder (a bank) supports scope: the banking and common
// CDS scopes, OpenID's, and the registration scope. An energy or telco scope in an SSA is one it does not
// support, which it ignores (CDS Client Registration, from 31 August 2022).
func cdrHolderSupports(scope string) bool {
	switch {
	case scope == "openid", scope == "profile", scope == "cdr:registration":
		return true
	case strings.HasPrefix(scope, "bank:"), strings.HasPrefix(scope, "common:"):
		return true
	}
	return false
}

// checkCDRSSAScopes refuses an SSA naming a scope the holder does not support, under the defect
// cdr-refuse-unsupported-ssa-scope; the correct holder ignores such scopes.
func (b *Bank) checkCDRSSAScopes(info ssaInfo) *apiError {
	if !b.has("cdr-refuse-unsupported-ssa-scope") {
		return nil
	}
	for _, s := range info.scopes {
		if !cdrHolderSupports(s) {
			return badSSA("the software statement's scope %q is not supported by this data holder", s)
		}
	}
	return nil
}
