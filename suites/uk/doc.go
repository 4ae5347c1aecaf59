// Package uk holds the UK OBIE DCR 3.3 conformance specs. Each spec is declared once with
// framework.ConformanceIt; negative specs change exactly one thing from the valid baseline.
package uk

import (
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

const profile = "uk"

func positive(id, op, req, title, expect string) framework.Scenario {
	return common.Positive(profile, id, op, req, title, expect)
}

func negative(id, op, req, title, expect string) framework.Scenario {
	return common.Negative(profile, id, op, req, title, expect)
}

func init() {
	framework.RegisterProfile(framework.Profile{
		Name:             profile,
		Title:            "UK OBIE DCR 3.3",
		Encoding:         framework.EncodingJWT,
		ContentType:      framework.JWTContentType,
		SSA:              "uk",
		MTLS:             true,
		RegistrationAuth: framework.RegAuthMTLS,
		ManagementAuth:   framework.ManageClientToken,
		// Every UK negative accepts the codes of its faults (accept.go), so overrides.errors applies.
		Errors: map[string][]string{
			framework.FaultSSA:          {"invalid_software_statement"},
			framework.FaultUnapproved:   {"unapproved_software_statement", "invalid_software_statement"},
			framework.FaultRedirectURI:  {"invalid_redirect_uri"},
			framework.FaultMetadata:     {"invalid_client_metadata"},
			framework.FaultDuplicate:    {"invalid_client_metadata"},
			framework.FaultBody:         {"invalid_client_metadata", "invalid_request"},
			framework.FaultClientAuth:   {"invalid_client"},
			framework.FaultUpdateClient: {"invalid_client_metadata"},
		},
		Baseline: framework.UKBaseline,
	})
}
