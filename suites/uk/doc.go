// Package uk holds the UK OBIE DCR 3.3 conformance specs (3.1, 3.2 and 3.4 with target.version). Each spec is declared once with
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
		Name:  profile,
		Scope: common.OBScope,
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
		// UK DCR 3.1 defines the request body as application/jose; 3.2 to 3.4 as application/jwt. What
		// else 3.4 changes (application_type's codes, the subject DN's form) the specs read from
		// f.Target.Version (v34.go).
		Versions: map[string]func(framework.Profile) framework.Profile{
			"3.1": func(p framework.Profile) framework.Profile { p.ContentType = "application/jose"; return p },
		},
	})
}

// dnMember is the client metadata member carrying tls_client_auth's subject DN: tls_client_auth_dn in UK
// DCR 3.1, tls_client_auth_subject_dn (RFC 8705) from 3.2.
func dnMember(f *framework.Framework) string {
	if f.Target.Version == "3.1" {
		return "tls_client_auth_dn"
	}
	return "tls_client_auth_subject_dn"
}
