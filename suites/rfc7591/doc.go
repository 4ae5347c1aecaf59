// Package rfc7591 holds the plain RFC 7591 / RFC 7592 conformance specs: JSON client metadata, no
// software statement, an optional initial access token, and management at registration_client_uri
// with the registration_access_token, which the harness follows when the server rotates it.
package rfc7591

import (
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

const profile = "rfc7591"

func init() {
	framework.RegisterProfile(framework.Profile{
		Name: profile,
		// RFC 7591 section 3.2.2 and RFC 6749 section 5.2 name one code per fault.
		Errors: map[string][]string{
			framework.FaultRedirectURI:  {"invalid_redirect_uri"},
			framework.FaultMetadata:     {"invalid_client_metadata"},
			framework.FaultBody:         {"invalid_client_metadata", "invalid_request"},
			framework.FaultClientAuth:   {"invalid_client"},
			framework.FaultUpdateClient: {"invalid_client_metadata"},
		},
		Baseline: Baseline,
	})
}

// Baseline is a valid RFC 7591 registration request: a confidential client_credentials client
// authenticating with client_secret_basic (the RFC's default), with one redirect URI.
func Baseline(f *framework.Framework, sw *target.Software) framework.Claims {
	return framework.Claims{
		"redirect_uris":              []string{sw.RedirectURIs[0]},
		"client_name":                "dcrconform " + sw.ID,
		"grant_types":                []string{"client_credentials"},
		"token_endpoint_auth_method": "client_secret_basic",
		"scope":                      f.Scope(),
	}
}

func positive(id, op, req, title, expect string) framework.Scenario {
	return common.Positive(profile, id, op, req, title, expect)
}

func negative(id, op, req, title, expect string) framework.Scenario {
	return common.Negative(profile, id, op, req, title, expect)
}

// echoed are the metadata a server answers back as registered (RFC 7591 section 3.2.1).
var echoed = []string{"redirect_uris", "client_name", "grant_types", "token_endpoint_auth_method"}
