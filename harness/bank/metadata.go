package bank

import (
	"cmp"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/url"
	"slices"
	"strings"
)

// Supported values of client metadata.
var (
	supportedGrantTypes    = []string{"authorization_code", "client_credentials", "refresh_token"}
	supportedResponseTypes = []string{"code", "code id_token"}
	roleScopes             = map[string]string{"AISP": "accounts", "PISP": "payments", "CBPII": "fundsconfirmations"}
)

// echoedMetadata are the request claims stored and answered back as the client's metadata.
var echoedMetadata = []string{
	"redirect_uris", "token_endpoint_auth_method", "token_endpoint_auth_signing_alg", "grant_types",
	"response_types", "application_type", "id_token_signed_response_alg", "request_object_signing_alg",
	"scope", "software_id", "software_statement", "tls_client_auth_subject_dn", "tls_client_auth_dn",
	"tls_client_certificate_bound_access_tokens",
	// CDR (seed 001) and Identity Server (seed 000) members.
	"id_token_encrypted_response_alg", "id_token_encrypted_response_enc", "client_name", "jwks_uri",
	"token_type_extension", "require_signed_request_object", "token_endpoint_allow_reuse_pvt_key_jwt",
	"ext_application_display_name",
}

// checkMetadata checks the client metadata of a registration request against the SSA, the
// transport certificate and the bank's policy.
func (b *Bank) checkMetadata(d *dialect, c claims, info ssaInfo, cert *x509.Certificate, skipRedirect bool) (registration, *apiError) {
	reg := registration{softwareID: info.softwareID, orgID: info.orgID, jwksURI: info.jwksURI, metadata: map[string]any{}}
	if e := b.checkRedirectURIs(d, c, info, skipRedirect); e != nil {
		return reg, e
	}

	method, _ := c.str("token_endpoint_auth_method")
	if e := b.checkAuthMethod(d, method); e != nil {
		if method != "none" || !b.cfg.Choices.ReplaceMetadata || !slices.Contains(d.authMethods, "private_key_jwt") {
			return reg, e
		}
		// ReplaceMetadata: a public client registered as a confidential one (RFC 7591 section 2), which
		// the registration answers.
		method = "private_key_jwt"
		c["token_endpoint_auth_method"] = method
		if !c.has("token_endpoint_auth_signing_alg") {
			c["token_endpoint_auth_signing_alg"] = "PS256"
		}
	}
	reg.authMethod = method
	if alg, present := c["token_endpoint_auth_signing_alg"]; present {
		s, ok := alg.(string)
		if !ok || !slices.Contains(signingAlgs, s) && !b.has("accept-unsupported-signing-alg") {
			return reg, badMetadata("token_endpoint_auth_signing_alg %v is not supported: use PS256 or ES256", alg)
		}
		reg.signingAlg = s
	} else if method == "private_key_jwt" && !b.has("accept-missing-signing-alg") {
		return reg, badMetadata("private_key_jwt needs token_endpoint_auth_signing_alg")
	}
	if method == "tls_client_auth" {
		member := "tls_client_auth_subject_dn" // UK DCR 3.1 named it tls_client_auth_dn
		if d.version == "3.1" && !b.has("v31-subject-dn-only") {
			member = "tls_client_auth_dn"
		}
		dn, ok := c.str(member)
		if !ok || strings.TrimSpace(dn) == "" {
			return reg, badMetadata("tls_client_auth needs %s", member)
		}
		if e := b.checkSubjectDNForm(d, member, dn); e != nil {
			return reg, e
		}
		// Under the choice SubjectDNAtToken the token endpoint compares it instead (authenticateClient).
		reg.ignoreDN = b.has("ignore-tls-subject-dn")
		if cert != nil && !sameDN(dn, cert.Subject.String()) && !reg.ignoreDN && !b.cfg.Choices.SubjectDNAtToken {
			return reg, badMetadata("%s %q is not the transport certificate's subject %q",
				member, dn, cert.Subject.String())
		}
		reg.subjectDN = dn
	}

	if e := b.checkGrantAndResponseTypes(c, &reg, b.responseTypes(d), b.cfg.Choices.ReplaceMetadata); e != nil {
		return reg, e
	}
	if d.ssa == "cdr" {
		if e := b.checkIDTokenEncryption(c); e != nil {
			return reg, e
		}
	}

	if e := b.checkApplicationType(d, c); e != nil {
		return reg, e
	}
	anyIDTokenAlg := b.has("accept-any-id-token-alg")
	for _, name := range []string{"id_token_signed_response_alg", "request_object_signing_alg"} {
		if alg, present := c[name]; present && !(anyIDTokenAlg && name == "id_token_signed_response_alg") {
			if s, ok := alg.(string); !ok || !slices.Contains(signingAlgs, s) {
				return reg, badMetadata("%s %v is not supported: use PS256 or ES256", name, alg)
			}
		}
	}
	if v, present := c["tls_client_certificate_bound_access_tokens"]; present {
		if _, ok := v.(bool); !ok {
			return reg, badMetadata("tls_client_certificate_bound_access_tokens must be a boolean")
		}
	}

	if d.ssa == "cdr" {
		if e := b.checkCDRSSAScopes(info); e != nil {
			return reg, e
		}
	}
	scopes, e := b.checkScope(d, c, info)
	if e != nil {
		return reg, e
	}
	reg.scopes = scopes

	for _, name := range echoedMetadata {
		if v, present := c[name]; present {
			reg.metadata[name] = v
		}
	}
	if dn, ok := reg.metadata["tls_client_auth_subject_dn"].(string); ok {
		reg.metadata["tls_client_auth_subject_dn"] = b.answeredSubjectDN(d, dn)
	}
	reg.metadata["software_id"] = info.softwareID
	for name, v := range info.stated { // RFC 7591 section 3.1.1: the statement's value takes precedence
		if _, sent := c[name]; sent && !b.has("request-overrides-ssa") {
			reg.metadata[name] = v
		}
	}
	if b.cfg.Choices.UnboundTokens { // neither bound nor said to be
		delete(reg.metadata, "tls_client_certificate_bound_access_tokens")
	}
	if name, ok := reg.metadata["client_name"].(string); ok && b.cfg.Choices.ReplaceMetadata {
		reg.metadata["client_name"] = name + replacedNameSuffix
	}
	if d.ssa == "cdr" { // the holder answers the SSA's scope and key set (seed 001)
		reg.metadata["scope"] = strings.Join(scopes, " ")
		reg.metadata["jwks_uri"] = info.jwksURI
		if e := b.checkCDRClaims(c, &reg); e != nil {
			return reg, e
		}
	}
	return reg, nil
}

// checkAuthMethod checks a token_endpoint_auth_method against those the profile supports.
func (b *Bank) checkAuthMethod(d *dialect, method string) *apiError {
	methods := d.authMethods
	if d.name == ProfileRFC7591 && b.cfg.Choices.RFC7591PrivateKeyJWT {
		methods = []string{"private_key_jwt"}
	}
	if method == "none" && b.has("accept-public-client") {
		return nil
	}
	if !slices.Contains(methods, method) && !b.has("accept-unsupported-auth-method") {
		return badMetadata("token_endpoint_auth_method %q is not supported: use %s", method, strings.Join(methods, " or "))
	}
	return nil
}

// checkPlainKeys takes a plain RFC 7591 private_key_jwt client's key set (its jwks member, public keys)
// and signing alg.
func checkPlainKeys(c claims, reg *registration) *apiError {
	raw, err := json.Marshal(c["jwks"])
	if err != nil || !c.has("jwks") {
		return badMetadata("private_key_jwt needs the client's public keys in jwks")
	}
	if set, err := parseKeySet(raw); err != nil || len(set.Keys) == 0 {
		return badMetadata("jwks holds no usable public key")
	}
	reg.jwks = raw
	alg, _ := c.str("token_endpoint_auth_signing_alg")
	if !slices.Contains(signingAlgs, alg) {
		return badMetadata("token_endpoint_auth_signing_alg %q is not supported: use PS256 or ES256", alg)
	}
	reg.signingAlg = alg
	return nil
}

// checkGrantAndResponseTypes checks grant_types and response_types (against supported), defaulting them
// as RFC 7591 section 2 says, and records them in reg. An unsupported value is refused, or, with replace
// (the choice ReplaceMetadata, OBIE's "accept the request and modify the value of the field to one that it
// supports"), left out of the request c, which the registration then answers.
func (b *Bank) checkGrantAndResponseTypes(c claims, reg *registration, supported []string, replace bool) *apiError {
	reg.grantTypes = []string{"authorization_code"}
	if c.has("grant_types") {
		grants, err := c.strings("grant_types")
		if err != nil || len(grants) == 0 {
			return badMetadata("grant_types must be a non-empty array of strings")
		}
		unsupported := func(g string) bool { return !slices.Contains(supportedGrantTypes, g) }
		if i := slices.IndexFunc(grants, unsupported); i >= 0 && !b.has("accept-unsupported-grant-type") {
			if !replace {
				return badMetadata("grant type %q is not supported", grants[i])
			}
			if grants = slices.DeleteFunc(grants, unsupported); len(grants) == 0 {
				grants = reg.grantTypes
			}
			c["grant_types"] = grants
		}
		reg.grantTypes = grants
	}
	reg.metadata["grant_types"] = reg.grantTypes

	reg.metadata["response_types"] = []string{"code"}
	if c.has("response_types") {
		types, err := c.strings("response_types")
		if err != nil || len(types) == 0 {
			return badMetadata("response_types must be a non-empty array of strings")
		}
		unsupported := func(t string) bool { return !slices.Contains(supported, normaliseResponseType(t)) }
		if i := slices.IndexFunc(types, unsupported); i >= 0 && !b.has("accept-unsupported-response-type") {
			if !replace {
				return badMetadata("response type %q is not supported", types[i])
			}
			if types = slices.DeleteFunc(types, unsupported); len(types) == 0 {
				types = []string{"code"}
			}
			c["response_types"] = types
		}
	}
	return nil
}

// checkRedirectURIs checks that redirect_uris are https URIs listed in the SSA, and for UK DCR not on
// the host localhost.
func (b *Bank) checkRedirectURIs(d *dialect, c claims, info ssaInfo, skip bool) *apiError {
	uris, err := c.strings("redirect_uris")
	if err != nil || len(uris) == 0 {
		return b.badRedirect("redirect_uris is required: a non-empty array of https URIs from the SSA")
	}
	if skip {
		return nil
	}
	for _, u := range uris {
		parsed, e := b.parseRedirectURI(u)
		if e != nil {
			return e
		}
		if parsed.Scheme != "https" && !b.has("allow-http-redirect") {
			return b.badRedirect("redirect URI %q does not use https", u)
		}
		if d.name == ProfileUK && strings.EqualFold(parsed.Hostname(), "localhost") && !b.has("allow-localhost-redirect") {
			return b.badRedirect("redirect URI %q has the host localhost (OBIE: the URI MUST NOT contain a host with a value of localhost)", u)
		}
		if !slices.Contains(info.redirectURIs, u) && !b.has("ignore-redirect-subset") && !b.prefixOfAny(info.redirectURIs, u) {
			return b.badRedirect("redirect URI %q is not among the SSA's software_redirect_uris", u)
		}
	}
	return nil
}

// prefixOfAny is the defect redirect-prefix-match: u is taken when it starts with a URI of the SSA.
func (b *Bank) prefixOfAny(ssaURIs []string, u string) bool {
	if !b.has("redirect-prefix-match") {
		return false
	}
	return slices.ContainsFunc(ssaURIs, func(s string) bool { return strings.HasPrefix(u, s) })
}

// parseRedirectURI checks what every redirection endpoint must be (RFC 6749 section 3.1.2): an
// absolute URI without a fragment.
func (b *Bank) parseRedirectURI(u string) (*url.URL, *apiError) {
	parsed, err := url.Parse(u)
	if err != nil || !parsed.IsAbs() || parsed.Host == "" {
		return nil, b.badRedirect("redirect URI %q is not an absolute URI", u)
	}
	if (parsed.Fragment != "" || strings.Contains(u, "#")) && !b.has("allow-redirect-fragment") {
		e := b.badRedirect("redirect URI %q has a fragment (RFC 6749 section 3.1.2)", u)
		if b.cfg.Choices.FragmentError != "" {
			e.code = b.cfg.Choices.FragmentError
		}
		return nil, e
	}
	return parsed, nil
}

// plainExcluded are request members that are not client metadata a plain RFC 7591 client stores.
var plainExcluded = []string{"client_id", "client_secret", "registration_access_token", "registration_client_uri",
	"client_secret_expires_at", "client_id_issued_at"}

// checkPlainMetadata checks a plain RFC 7591 registration (no software statement) and keeps every
// member it sends as its metadata (RFC 7592 section 2.2: an update replaces them all).
func (b *Bank) checkPlainMetadata(d *dialect, c claims, skipRedirect bool) (registration, *apiError) {
	reg := registration{metadata: map[string]any{}}
	if e := b.checkUnderstood(c); e != nil {
		return reg, e
	}
	if c.has("redirect_uris") && !skipRedirect {
		uris, err := c.strings("redirect_uris")
		if err != nil {
			return reg, b.badRedirect("redirect_uris must be an array of URIs")
		}
		for _, u := range uris {
			parsed, e := b.parseRedirectURI(u)
			if e != nil {
				return reg, e
			}
			if e := b.checkRedirectForm(parsed, u); e != nil {
				return reg, e
			}
		}
	}
	method := "client_secret_basic" // RFC 7591 section 2: the default
	if c.has("token_endpoint_auth_method") {
		method, _ = c.str("token_endpoint_auth_method")
	}
	if e := b.checkAuthMethod(d, method); e != nil {
		return reg, e
	}
	reg.authMethod = method
	if c.has("jwks") && c.has("jwks_uri") && !b.has("rfc7591-allow-jwks-and-jwks-uri") {
		return reg, badMetadata("jwks_uri and jwks must not both be present (RFC 7591 section 2)")
	}
	if method == "private_key_jwt" {
		if e := checkPlainKeys(c, &reg); e != nil {
			return reg, e
		}
	}
	if e := b.checkGrantAndResponseTypes(c, &reg, supportedResponseTypes, false); e != nil {
		return reg, e
	}
	if uris, _ := c.strings("redirect_uris"); len(uris) == 0 && redirectBased(reg.grantTypes) && !skipRedirect &&
		!b.has("rfc7591-allow-code-without-redirect") {
		return reg, b.badRedirect("redirect_uris is required for the redirect-based grant types %v (RFC 7591 section 5)", reg.grantTypes)
	}
	reg.scopes = []string{"openid"}
	if c.has("scope") {
		scope, ok := c.str("scope")
		if !ok {
			return reg, badMetadata("scope must be a space-separated string")
		}
		reg.scopes = strings.Fields(scope)
	}
	for k, v := range c {
		if !slices.Contains(plainExcluded, k) {
			reg.metadata[k] = v
		}
	}
	reg.metadata["token_endpoint_auth_method"] = method
	reg.metadata["grant_types"] = reg.grantTypes
	if name, ok := reg.metadata["client_name"].(string); ok && b.cfg.Choices.ReplaceMetadata {
		reg.metadata["client_name"] = name + replacedNameSuffix
	}
	return reg, nil
}

// understoodMetadata are the request members a plain RFC 7591 registration understands: RFC 7591
// section 2's client metadata, what RFC 7591 section 3.1.1 and RFC 7592 section 2.2 add, and what the
// bank answers back (a full update sends it all).
var understoodMetadata = append([]string{"redirect_uris", "token_endpoint_auth_method", "grant_types", "response_types",
	"client_name", "client_uri", "logo_uri", "scope", "contacts", "tos_uri", "policy_uri", "jwks_uri", "jwks",
	"software_id", "software_version", "software_statement", "token_endpoint_auth_signing_alg"}, plainExcluded...)

// checkUnderstood is where RFC 7591 section 2 has a server ignore the metadata it does not understand:
// the defect rfc7591-reject-unknown-metadata refuses the registration instead.
func (b *Bank) checkUnderstood(c claims) *apiError {
	if !b.has("rfc7591-reject-unknown-metadata") {
		return nil
	}
	for k := range c {
		if name, _, _ := strings.Cut(k, "#"); !slices.Contains(understoodMetadata, name) {
			return badMetadata("unknown client metadata %q", k)
		}
	}
	return nil
}

// checkRedirectForm checks a redirect URI against RFC 7591 section 5: a remote site over TLS (https), a
// site on the local machine over http, or a non-HTTP application URL.
func (b *Bank) checkRedirectForm(parsed *url.URL, u string) *apiError {
	host := parsed.Hostname()
	local := host == "localhost" || net.ParseIP(host) != nil && net.ParseIP(host).IsLoopback()
	if parsed.Scheme != "http" || local || b.has("rfc7591-allow-remote-http-redirect") {
		return nil
	}
	return b.badRedirect("redirect URI %q is plain http to a remote host (RFC 7591 section 5: https, http on the local machine, or an application URL)", u)
}

// redirectBased reports whether grants hold a grant type that redirects (RFC 7591 section 5).
func redirectBased(grants []string) bool {
	return slices.Contains(grants, "authorization_code") || slices.Contains(grants, "implicit")
}

// idTokenEncryption is the ID-token encryption alg and enc the bank supports and advertises.
func (b *Bank) idTokenEncryption() (alg, enc string) {
	if b.has("id-token-enc-legacy-only") {
		return "RSA1_5", "A128GCM"
	}
	alg, enc, _ = strings.Cut(cmp.Or(b.cfg.Choices.IDTokenEncryption, idTokenEncDefault), "/")
	return alg, enc
}

// responseTypes are the response types a dialect registers: code alone at a CDR data holder that has
// retired the hybrid flow (CDRCodeFlowOnly).
func (b *Bank) responseTypes(d *dialect) []string {
	if d.ssa == "cdr" && b.cfg.Choices.CDRCodeFlowOnly {
		return []string{"code"}
	}
	return supportedResponseTypes
}

// checkIDTokenEncryption checks the ID-token encryption alg and enc against the one pair the bank supports.
func (b *Bank) checkIDTokenEncryption(c claims) *apiError {
	alg, enc := b.idTokenEncryption()
	for name, want := range map[string]string{"id_token_encrypted_response_alg": alg, "id_token_encrypted_response_enc": enc} {
		if v, present := c[name]; present && v != want {
			return badMetadata("%s %v is not supported: use %s", name, v, want)
		}
	}
	return nil
}

// checkScope checks the requested scope against the SSA's roles and returns the scopes the
// client's tokens may carry: those asked for, or every scope its roles allow.
func (b *Bank) checkScope(d *dialect, c claims, info ssaInfo) ([]string, *apiError) {
	allowed := []string{"openid"}
	for _, role := range info.roles {
		if s, ok := roleScopes[role]; ok && !slices.Contains(allowed, s) {
			allowed = append(allowed, s)
		}
	}
	if d.ssa == "cdr" {
		allowed = info.scopes // the register grants the software product its scopes
	}
	if !c.has("scope") {
		return allowed, nil
	}
	scope, ok := c.str("scope")
	if !ok {
		return nil, badMetadata("scope must be a space-separated string")
	}
	requested := strings.Fields(scope)
	for _, s := range requested {
		if !slices.Contains(allowed, s) && !b.has("ignore-scope-roles") {
			return nil, badMetadata("scope %q is not allowed for software roles %v", s, info.roles)
		}
	}
	return requested, nil
}

// normaliseResponseType orders the words of a response type, so "id_token code" is "code id_token".
func normaliseResponseType(t string) string {
	words := strings.Fields(t)
	slices.Sort(words)
	return strings.Join(words, " ")
}
