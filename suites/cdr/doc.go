// Package cdr holds the Australian CDR DCR conformance specs (seed 001): a registration JWT signed by
// the data recipient's key (jwks_uri of the register's SSA), aud the data holder's issuer, over mTLS;
// management with a client_credentials token carrying cdr:registration.
package cdr

import (
	"slices"
	"strings"
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
			framework.FaultSSA:         {"invalid_software_statement"},
			framework.FaultUnapproved:  {"unapproved_software_statement", "invalid_software_statement"},
			framework.FaultRedirectURI: {"invalid_redirect_uri"},
			framework.FaultMetadata:    {"invalid_client_metadata"},
			// The CDR standards require a 400 for a second registration of a software product and name no
			// code; their own example answers invalid_software_statement.
			framework.FaultDuplicate:    {"invalid_client_metadata", "invalid_software_statement", "unapproved_software_statement"},
			framework.FaultBody:         {"invalid_client_metadata", "invalid_request"},
			framework.FaultClientAuth:   {"invalid_client"},
			framework.FaultUpdateClient: {"invalid_client_metadata"},
		},
		Baseline: Baseline,
	})
}

// Baseline is a valid CDR registration request (seed 001) for sw, carrying a fresh register SSA. It
// registers the OIDC hybrid flow (code id_token) with ID-token encryption when discovery allows it, and
// the authorization code flow alone when discovery lists only code (data holders may retire the hybrid
// flow since July 2023); the encryption alg and enc are chosen from what discovery lists.
func Baseline(f *framework.Framework, sw *target.Software) framework.Claims {
	now := time.Now()
	alg := string(sw.SigningKey.Alg)
	claims := framework.Claims{
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
		"request_object_signing_alg":      alg,
		"software_statement":              f.SSA(sw, mockdirectory.SSAOptions{}),
	}
	doc := f.Discovery()
	if !advertises(doc, "response_types_supported", "code id_token") && advertises(doc, "response_types_supported", "code") {
		return claims.With("response_types", []string{"code"})
	}
	claims["id_token_encrypted_response_alg"] = choose(doc, "id_token_encryption_alg_values_supported", "RSA-OAEP", "RSA-OAEP-256")
	claims["id_token_encrypted_response_enc"] = choose(doc, "id_token_encryption_enc_values_supported", "A256GCM", "A128CBC-HS256")
	return claims
}

// advertises reports whether discovery lists value under key (response types compared as sets of words).
func advertises(doc map[string]any, key, value string) bool {
	list, _ := doc[key].([]any)
	want := strings.Fields(value)
	slices.Sort(want)
	return slices.ContainsFunc(list, func(v any) bool {
		s, _ := v.(string)
		got := strings.Fields(s)
		slices.Sort(got)
		return slices.Equal(got, want)
	})
}

// choose is the first of preferred that discovery lists under key, else the first value it lists, else
// preferred[0] (no discovery, or nothing listed).
func choose(doc map[string]any, key string, preferred ...string) string {
	list, _ := doc[key].([]any)
	for _, p := range preferred {
		if slices.Contains(list, any(p)) {
			return p
		}
	}
	for _, v := range list {
		if s, ok := v.(string); ok && s != "" {
			return s
		}
	}
	return preferred[0]
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
