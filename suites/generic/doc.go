// Package generic holds the conformance specs of the generic accelerator's DCR 0.1 (seed 004): the
// UK request (a signed JWT carrying a UK directory SSA, over mTLS) at /open-banking/0.1/register,
// managed with the client's client_credentials token.
package generic

import (
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

const profile = "generic"

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
		Baseline: framework.UKBaseline, // seed 004's request is the UK one
	})
}

func positive(id, op, req, title, expect string) framework.Scenario {
	return common.Positive(profile, id, op, req, title, expect)
}

func negative(id, op, req, title, expect string) framework.Scenario {
	return common.Negative(profile, id, op, req, title, expect)
}

var echoed = []string{"redirect_uris", "token_endpoint_auth_method", "token_endpoint_auth_signing_alg",
	"grant_types", "response_types", "software_id", "scope", "application_type"}
