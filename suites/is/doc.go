// Package is holds the conformance specs of Identity Server DCR v1.1 (seed 000): a JSON body carrying
// the UK directory SSA as software_statement, authorised by an administrator's HTTP Basic credentials
// over mTLS, answered 201 with a client_secret and the ext_* members; managed with the client's
// client_credentials token.
package is

import (
	"github.com/dcrconform/dcrconform/harness/joseutil"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

const profile = "is"

func init() {
	framework.RegisterProfile(framework.Profile{
		Name:  profile,
		Scope: common.OBScope,
		Errors: map[string][]string{
			framework.FaultSSA:          {"invalid_software_statement"},
			framework.FaultUnapproved:   {"unapproved_software_statement", "invalid_software_statement"},
			framework.FaultRedirectURI:  {"invalid_redirect_uri", "invalid_client_metadata"},
			framework.FaultMetadata:     {"invalid_client_metadata"},
			framework.FaultDuplicate:    {"invalid_client_metadata"},
			framework.FaultBody:         {"invalid_client_metadata", "invalid_request"},
			framework.FaultClientAuth:   {"invalid_client"},
			framework.FaultUpdateClient: {"invalid_client_metadata"},
		},
		Baseline: Baseline,
	})
}

// Baseline is the JSON registration request of seed 000: the UK request's members plus Identity
// Server's (client_name, jwks_uri, token_type_extension, ...), carrying a fresh UK SSA.
func Baseline(f *framework.Framework, sw *target.Software) framework.Claims {
	c := framework.UKBaseline(f, sw)
	ssa, _ := c["software_statement"].(string)
	jwksURI := ""
	if _, claims, err := joseutil.Decode(ssa); err == nil {
		jwksURI, _ = claims["software_jwks_endpoint"].(string)
	}
	name := "dcrconform_" + sw.ID
	extras := framework.Claims{
		"client_name":                                name,
		"ext_application_display_name":               name,
		"token_type_extension":                       "JWT",
		"require_signed_request_object":              true,
		"tls_client_certificate_bound_access_tokens": true,
		"token_endpoint_allow_reuse_pvt_key_jwt":     false,
	}
	if jwksURI != "" {
		extras["jwks_uri"] = jwksURI
	}
	for k, v := range extras {
		c[k] = v
	}
	return c
}

func positive(id, op, req, title, expect string) framework.Scenario {
	return common.Positive(profile, id, op, req, title, expect)
}

func negative(id, op, req, title, expect string) framework.Scenario {
	return common.Negative(profile, id, op, req, title, expect)
}

var echoed = []string{"redirect_uris", "token_endpoint_auth_method", "token_endpoint_auth_signing_alg",
	"grant_types", "software_id", "scope", "application_type", "client_name", "jwks_uri"}
