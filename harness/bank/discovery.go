package bank

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// Algorithms the bank accepts for registration requests, client assertions and request objects.
var signingAlgs = []string{"PS256", "ES256"}

func (b *Bank) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	iss := b.issuerFor(r)
	encAlg, enc := b.idTokenEncryption()
	doc := map[string]any{
		"issuer":                                iss,
		"registration_endpoint":                 iss + registerPath,
		"authorization_endpoint":                iss + authorizePath,
		"token_endpoint":                        iss + tokenPath,
		"jwks_uri":                              iss + jwksPath,
		"subject_types_supported":               []string{"public"},
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt", "tls_client_auth"},
		"token_endpoint_auth_signing_alg_values_supported": signingAlgs,
		"request_object_signing_alg_values_supported":      signingAlgs,
		"id_token_signing_alg_values_supported":            signingAlgs,
		"grant_types_supported":                            supportedGrantTypes,
		"response_types_supported":                         b.advertisedResponseTypes(),
		"id_token_encryption_alg_values_supported":         []string{encAlg},
		"id_token_encryption_enc_values_supported":         []string{enc},
		"scopes_supported":                                 []string{"openid", "accounts", "payments", "fundsconfirmations"},
	}
	if !b.cfg.Choices.UnboundTokens {
		doc["tls_client_certificate_bound_access_tokens"] = true
	}
	if r.URL.Path == oauthMetadataPath && b.has("oauth-metadata-stale-issuer") {
		doc["issuer"] = iss + "/as" // a tenant path left from another deployment
	}
	b.breakDiscovery(doc)
	if b.has("discovery-text-plain") {
		body, _ := json.Marshal(doc)
		w.Header().Set("Content-Type", http.DetectContentType(body))
		_, _ = w.Write(body)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// breakDiscovery applies the discovery document's defects.
func (b *Bank) breakDiscovery(doc map[string]any) {
	if b.has("discovery-empty-array") {
		doc["acr_values_supported"] = []string{}
	}
	if b.has("discovery-no-scopes") {
		delete(doc, "scopes_supported")
	}
	if b.has("discovery-no-authorization-endpoint") {
		delete(doc, "authorization_endpoint")
	}
	if b.has("discovery-http-jwks-uri") {
		doc["jwks_uri"] = "http://" + strings.TrimPrefix(doc["jwks_uri"].(string), "https://")
	}
	if b.has("discovery-no-subject-types") {
		delete(doc, "subject_types_supported")
	}
	if b.has("discovery-no-signing-algs") {
		delete(doc, "token_endpoint_auth_signing_alg_values_supported")
	}
	if b.has("discovery-signing-alg-none") {
		doc["token_endpoint_auth_signing_alg_values_supported"] = append(slices.Clone(signingAlgs), "none")
	}
}

// advertisedResponseTypes are the response types discovery lists.
func (b *Bank) advertisedResponseTypes() []string {
	if b.cfg.Choices.CDRCodeFlowOnly {
		return []string{"code"}
	}
	return []string{"code id_token", "code"}
}
