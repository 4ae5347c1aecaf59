package uk

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/suites/common"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// OBIE DCR's data dictionary on grant_types, response_types and application_type: "If the requests
// contains a value that the ASPSP does not support, the ASPSP must either: reject the request with an
// appropriate error message and error code, or accept the request and modify the value of the field to
// one that it supports. It must return the modified value as part of the response." (RFC 7591 section 2
// lets a server replace values too.) A 201 passes when it answers values the version lists in place of the
// one sent; a refusal must be 400 invalid_client_metadata.

// grantTypesOf are the grant_types codes of a UK DCR version (3.4's OpenAPI adds jwt-bearer).
func grantTypesOf(version string) []string {
	codes := []string{"client_credentials", "authorization_code", "refresh_token", "urn:openid:params:grant-type:ciba"}
	if version == v34 {
		codes = append(codes, "urn:ietf:params:oauth:grant-type:jwt-bearer")
	}
	return codes
}

// applicationTypesOf are the application_type codes of a UK DCR version (3.4: native for 3.3's mobile).
func applicationTypesOf(version string) []string {
	if version == v34 {
		return []string{"web", "native"}
	}
	return []string{"web", "mobile"}
}

// responseTypeCodes are OBIE's response_types codes, their words in order (RFC 6749 section 3.1.1: the
// order of a response type's words does not matter).
var responseTypeCodes = []string{"code", "code id_token"}

func sortedWords(s string) string {
	words := strings.Fields(s)
	slices.Sort(words)
	return strings.Join(words, " ")
}

// correctedArray checks a 201's member, which must answer a non-empty array of values each of which
// allowed accepts, in place of the one sent.
func correctedArray(f *framework.Framework, resp *client.Response, member, sent string, allowed func(string) bool) {
	answered := f.ExpectJSON(resp)[member]
	got, ok := answered.([]any)
	ok = ok && len(got) > 0
	for _, v := range got {
		s, isString := v.(string)
		ok = ok && isString && allowed(s)
	}
	if !ok {
		c := f.Verdict().On(resp)
		c.Add(fmt.Sprintf("%s %s refused, or the request accepted and %s answered as the version's codes in its place", member, sent, member),
			"201 with %s %v", member, answered)
		c.Done()
	}
}

// refusedOrCorrected registers claims; a 201 is judged by corrected, anything else must be a 400 with
// invalid_client_metadata.
func refusedOrCorrected(f *framework.Framework, sw *target.Software, claims framework.Claims, corrected func(*client.Response)) {
	resp, err := f.TryRegister(sw, claims)
	if err == nil && resp.Status == http.StatusCreated {
		corrected(resp)
		return
	}
	f.ExpectRefusal(resp, err, status400, badMetadata.codes(f)...)
}

var _ = framework.Describe("UK OBIE DCR 3.3: unsupported values refused or corrected", func() {
	framework.ConformanceIt(negative("UK-REG-N29", "register", "RFC7591-2, OBIE-DCR-3.3-GRANT-TYPES, OBIE-DCR-3.4-GRANT-TYPES",
		"an unsupported grant type (password) is refused, or the request registered with grant types of the version in its place",
		"400 invalid_client_metadata, or 201 with grant_types among the version's codes"),
		func(f *framework.Framework) {
			sw := f.Software()
			codes := grantTypesOf(f.Target.Version)
			refusedOrCorrected(f, sw, f.BaselineClaims(sw).With("grant_types", []string{"client_credentials", "password"}), func(a *client.Response) {
				correctedArray(f, a, "grant_types", "password", func(g string) bool { return slices.Contains(codes, g) })
			})
		})

	framework.ConformanceIt(negative("UK-REG-N30", "register", "RFC7591-2, OBIE-DCR-3.3-RESPONSE-TYPES",
		"an unsupported response type (token) is refused, or the request registered with response types of OBIE's codes in its place",
		"400 invalid_client_metadata, or 201 with response_types code or code id_token"),
		func(f *framework.Framework) {
			sw := f.Software()
			refusedOrCorrected(f, sw, f.BaselineClaims(sw).With("response_types", []string{"token"}), func(a *client.Response) {
				correctedArray(f, a, "response_types", "token", func(t string) bool { return slices.Contains(responseTypeCodes, sortedWords(t)) })
			})
		})

	framework.ConformanceIt(negative("UK-REG-N31", "register", "OBIE-DCR-3.3-APPLICATION-TYPE, OBIE-DCR-3.4-APPLICATION-TYPE, RFC7591-3.2.2-METADATA",
		"an application_type the version does not list (native before 3.4, mobile at 3.4) is refused, or registered as one it lists",
		"400 invalid_client_metadata, or 201 with an application_type of the version"),
		func(f *framework.Framework) {
			sw := f.Software()
			sent := outsideApplicationType(f)
			refusedOrCorrected(f, sw, f.BaselineClaims(sw).With("application_type", sent), func(a *client.Response) {
				got := f.ExpectJSON(a)["application_type"]
				if s, ok := got.(string); !ok || !slices.Contains(applicationTypesOf(f.Target.Version), s) {
					c := f.Verdict().On(a)
					c.Add("application_type "+sent+" refused, or registered and answered as one the version lists ("+
						strings.Join(applicationTypesOf(f.Target.Version), ", ")+")", "201 with application_type %v", got)
					c.Done()
				}
			})
		})

	framework.ConformanceIt(negative("UK-REG-N65", "register", "FAPI1-ADV-5.2.2-16",
		"a public client (token_endpoint_auth_method none) is refused, or registered as a confidential client with a method the bank supports",
		"400 invalid_client_metadata, or 201 with a supported confidential token_endpoint_auth_method"),
		func(f *framework.Framework) {
			sw := f.Software()
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw).With("token_endpoint_auth_method", "none"))
			if err == nil && resp.Status == http.StatusCreated {
				common.ExpectConfidentialInstead(f, resp, "none")
				return
			}
			f.ExpectRefusal(resp, err, status400, badMetadata.codes(f)...)
		})
})
