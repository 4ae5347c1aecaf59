package framework

import (
	"encoding/json"
	"slices"

	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/pki"
	"github.com/dcrconform/dcrconform/harness/target"
)

// BaselineClaims is a valid registration request of the spec's profile for sw, with the target's
// choices of grant types and token endpoint auth method (overrides.grant_types and
// overrides.token_endpoint_auth_method) in place of the profile's, and no scope member when the
// scope is empty.
func (f *Framework) BaselineClaims(sw *target.Software) Claims {
	c := f.Profile().Baseline(f, sw)
	s := f.Settings()
	if len(s.GrantTypes) > 0 {
		c = c.With("grant_types", slices.Clone(s.GrantTypes))
	}
	if m := s.TokenEndpointAuthMethod; m != "" {
		c = f.withAuthMethod(c, sw, m)
	}
	if scope, ok := c["scope"].(string); ok && scope == "" {
		c = c.Without("scope")
	}
	return c
}

// withAuthMethod sets the baseline's token_endpoint_auth_method with the members it needs: the
// signing alg (and, for software without an SSA, a key set) for private_key_jwt, the certificate's
// subject for tls_client_auth.
func (f *Framework) withAuthMethod(c Claims, sw *target.Software, method string) Claims {
	c = c.With("token_endpoint_auth_method", method).Without("token_endpoint_auth_signing_alg").Without("tls_client_auth_subject_dn")
	switch method {
	case "private_key_jwt":
		if sw.SigningKey.Signer == nil { // plain RFC 7591 software: make it a key and register its public half
			signer, err := pki.NewECKey()
			if err == nil {
				sw.SigningKey, err = joseutil.NewKey(signer)
			}
			if err != nil {
				f.Failf("a signing key for private_key_jwt", "%v", err)
			}
		}
		if f.Profile().SSA == "" {
			var jwks map[string]any
			b, _ := json.Marshal(map[string]any{"keys": []any{sw.SigningKey.PublicJWK()}})
			_ = json.Unmarshal(b, &jwks)
			c["jwks"] = jwks
		}
		c["token_endpoint_auth_signing_alg"] = string(sw.SigningKey.Alg)
	case "tls_client_auth":
		if sw.Transport != nil && sw.Transport.Leaf != nil {
			c["tls_client_auth_subject_dn"] = f.SubjectDN(sw.Transport.Leaf)
		}
	}
	return c
}
