// Package cdr holds the Australian CDR DCR conformance specs (seed 001): a registration JWT signed by
// the data recipient's key (jwks_uri of the register's SSA), aud the data holder's issuer, over mTLS;
// management with a client_credentials token carrying cdr:registration.
package cdr

import (
	"time"

	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/mockdirectory"
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

const profile = "cdr"

// RegistrationScope is the scope a CDR management token must carry.
const RegistrationScope = "cdr:registration"

func init() {
	framework.RegisterProfile(framework.Profile{
		Name:  profile,
		Scope: common.OBScope,
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
		Baseline: Baseline,
	})
}

// Baseline is a valid CDR registration request (seed 001) for sw, carrying a fresh register SSA.
func Baseline(f *framework.Framework, sw *target.Software) framework.Claims {
	now := time.Now()
	alg := string(sw.SigningKey.Alg)
	return framework.Claims{
		"iss":                             sw.ID,
		"iat":                             now.Unix(),
		"exp":                             now.Add(5 * time.Minute).Unix(),
		"jti":                             framework.NewID(),
		"aud":                             f.Target.Audience,
		"redirect_uris":                   []string{sw.RedirectURIs[0]},
		"token_endpoint_auth_method":      "private_key_jwt",
		"token_endpoint_auth_signing_alg": alg,
		"grant_types":                     []string{"client_credentials", "authorization_code", "refresh_token"},
		"response_types":                  []string{"code id_token"},
		"application_type":                "web",
		"id_token_signed_response_alg":    alg,
		"id_token_encrypted_response_alg": "RSA-OAEP",
		"id_token_encrypted_response_enc": "A256GCM",
		"request_object_signing_alg":      alg,
		"software_statement":              f.SSA(sw, mockdirectory.SSAOptions{}),
	}
}

func positive(id, op, req, title, expect string) framework.Scenario {
	return common.Positive(profile, id, op, req, title, expect)
}

func negative(id, op, req, title, expect string) framework.Scenario {
	return common.Negative(profile, id, op, req, title, expect)
}

// echoed are the request members a CDR holder answers back unchanged.
var echoed = []string{"redirect_uris", "token_endpoint_auth_method", "token_endpoint_auth_signing_alg",
	"grant_types", "response_types", "application_type", "id_token_signed_response_alg", "request_object_signing_alg"}
