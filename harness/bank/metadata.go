package bank

import (
	"crypto/x509"
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
	"scope", "software_id", "software_statement", "tls_client_auth_subject_dn",
	"tls_client_certificate_bound_access_tokens",
}

// checkMetadata checks the client metadata of a registration request against the SSA, the
// transport certificate and the bank's policy.
func (b *Bank) checkMetadata(c claims, info ssaInfo, cert *x509.Certificate, update bool) (registration, *apiError) {
	reg := registration{softwareID: info.softwareID, jwksURI: info.jwksURI, metadata: map[string]any{}}
	if e := b.checkRedirectURIs(c, info, update); e != nil {
		return reg, e
	}

	method, _ := c.str("token_endpoint_auth_method")
	if method != "private_key_jwt" && method != "tls_client_auth" && !b.has("accept-unsupported-auth-method") {
		return reg, badMetadata("token_endpoint_auth_method %v is not supported: use private_key_jwt or tls_client_auth",
			c["token_endpoint_auth_method"])
	}
	reg.authMethod = method
	if alg, present := c["token_endpoint_auth_signing_alg"]; present {
		s, ok := alg.(string)
		if !ok || !slices.Contains(signingAlgs, s) {
			return reg, badMetadata("token_endpoint_auth_signing_alg %v is not supported: use PS256 or ES256", alg)
		}
		reg.signingAlg = s
	} else if method == "private_key_jwt" && !b.has("accept-missing-signing-alg") {
		return reg, badMetadata("private_key_jwt needs token_endpoint_auth_signing_alg")
	}
	if method == "tls_client_auth" {
		dn, ok := c.str("tls_client_auth_subject_dn")
		if !ok || strings.TrimSpace(dn) == "" {
			return reg, badMetadata("tls_client_auth needs tls_client_auth_subject_dn")
		}
		if cert != nil && !sameDN(dn, cert.Subject.String()) && !b.has("ignore-tls-subject-dn") {
			return reg, badMetadata("tls_client_auth_subject_dn %q is not the transport certificate's subject %q",
				dn, cert.Subject.String())
		}
		reg.subjectDN = dn
	}

	reg.grantTypes = []string{"authorization_code"}
	if c.has("grant_types") {
		grants, err := c.strings("grant_types")
		if err != nil || len(grants) == 0 {
			return reg, badMetadata("grant_types must be a non-empty array of strings")
		}
		for _, g := range grants {
			if !slices.Contains(supportedGrantTypes, g) && !b.has("accept-unsupported-grant-type") {
				return reg, badMetadata("grant type %q is not supported", g)
			}
		}
		reg.grantTypes = grants
	}
	reg.metadata["grant_types"] = reg.grantTypes

	reg.metadata["response_types"] = []string{"code"}
	if c.has("response_types") {
		types, err := c.strings("response_types")
		if err != nil || len(types) == 0 {
			return reg, badMetadata("response_types must be a non-empty array of strings")
		}
		for _, t := range types {
			if !slices.Contains(supportedResponseTypes, normaliseResponseType(t)) && !b.has("accept-unsupported-response-type") {
				return reg, badMetadata("response type %q is not supported", t)
			}
		}
	}

	if appType, present := c["application_type"]; present && appType != "web" && !b.has("accept-bad-application-type") {
		return reg, badMetadata("application_type %v is not supported: use web", appType)
	}
	for _, name := range []string{"id_token_signed_response_alg", "request_object_signing_alg"} {
		if alg, present := c[name]; present {
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

	scopes, e := b.checkScope(c, info)
	if e != nil {
		return reg, e
	}
	reg.scopes = scopes

	for _, name := range echoedMetadata {
		if v, present := c[name]; present {
			reg.metadata[name] = v
		}
	}
	reg.metadata["software_id"] = info.softwareID
	return reg, nil
}

// checkRedirectURIs checks that redirect_uris are https URIs listed in the SSA.
func (b *Bank) checkRedirectURIs(c claims, info ssaInfo, update bool) *apiError {
	uris, err := c.strings("redirect_uris")
	if err != nil || len(uris) == 0 {
		return b.badRedirect("redirect_uris is required: a non-empty array of https URIs from the SSA")
	}
	if update && b.has("put-skip-validation-redirect") {
		return nil
	}
	for _, u := range uris {
		parsed, err := url.Parse(u)
		if err != nil || !parsed.IsAbs() || parsed.Host == "" {
			return b.badRedirect("redirect URI %q is not an absolute URI", u)
		}
		if parsed.Scheme != "https" && !b.has("allow-http-redirect") {
			return b.badRedirect("redirect URI %q does not use https", u)
		}
		if !slices.Contains(info.redirectURIs, u) && !b.has("ignore-redirect-subset") {
			return b.badRedirect("redirect URI %q is not among the SSA's software_redirect_uris", u)
		}
	}
	return nil
}

// checkScope checks the requested scope against the SSA's roles and returns the scopes the
// client's tokens may carry: those asked for, or every scope its roles allow.
func (b *Bank) checkScope(c claims, info ssaInfo) ([]string, *apiError) {
	allowed := []string{"openid"}
	for _, role := range info.roles {
		if s, ok := roleScopes[role]; ok && !slices.Contains(allowed, s) {
			allowed = append(allowed, s)
		}
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
