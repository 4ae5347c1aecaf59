package uk

import (
	"net/http"
	"regexp"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// unsupportedGrant is an extension grant type (RFC 6749 section 4.5: an absolute URI) no bank defines.
const unsupportedGrant = "urn:example:dcrconform:grant-type:unsupported"

var _ = framework.Describe("UK OBIE DCR 3.3: token errors", func() {
	framework.ConformanceIt(negative("UK-TOK-N23", "token", "RFC6749-5.2-ERROR",
		"a token request for a grant type the bank does not support is 400 unsupported_grant_type", "400 unsupported_grant_type"),
		func(f *framework.Framework) {
			resp, err := unsupportedGrantRequest(f)
			f.ExpectError(resp, err, []int{http.StatusBadRequest}, "unsupported_grant_type")
		})

	framework.ConformanceIt(negative("UK-TOK-N24", "token", "RFC6749-5.2-ERROR-CHARS, RFC6749-5.2-DESCRIPTION, RFC6749-5.2-ERROR-URI",
		"a token error's error, error_description and error_uri use only the characters RFC 6749 section 5.2 allows (no double quote, backslash or non-ASCII)",
		"error and error_description in %x20-21 / %x23-5B / %x5D-7E, error_uri in %x21 / %x23-5B / %x5D-7E"),
		func(f *framework.Framework) {
			resp, err := unsupportedGrantRequest(f)
			f.ExpectNoTransportError(err)
			if resp.Status < 400 {
				f.Skipf("inconclusive: the request for an unsupported grant type was answered %d, not an error", resp.Status)
			}
			body, jerr := resp.JSONObject()
			if jerr != nil {
				f.Skipf("inconclusive: the %d error is not a JSON object (%v); its format is UK-TOK-N23's to judge", resp.Status, jerr)
			}
			c := f.Verdict().On(resp)
			for _, p := range []struct {
				name, req string
				allowed   *regexp.Regexp
			}{
				{"error", "RFC6749-5.2-ERROR-CHARS", errorChars},
				{"error_description", "RFC6749-5.2-DESCRIPTION", errorChars},
				{"error_uri", "RFC6749-5.2-ERROR-URI", errorURIChars},
			} {
				if v, ok := body[p.name].(string); ok && !p.allowed.MatchString(v) {
					c.AddFor([]string{p.req}, p.name+" within the characters RFC 6749 section 5.2 allows", "%s %q", p.name, v)
				}
			}
			c.Done()
		})
})

// The character sets of RFC 6749 section 5.2 (and appendix A.7-A.9): error and error_description
// %x20-21 / %x23-5B / %x5D-7E (printable ASCII but " and \), error_uri the same without the space.
var (
	errorChars    = regexp.MustCompile(`^[\x20-\x21\x23-\x5B\x5D-\x7E]*$`)
	errorURIChars = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]*$`)
)

// unsupportedGrantRequest sends the baseline client's token request, properly authenticated, for a grant
// type no bank supports.
func unsupportedGrantRequest(f *framework.Framework) (*client.Response, error) {
	reg := f.RegisterBaseline()
	form := f.TokenForm(reg, signAssertion(f, reg.Software.SigningKey, "", f.AssertionClaims(reg)))
	form.Set("grant_type", unsupportedGrant)
	form.Del("scope")
	return f.PostToken(form, reg.Software.Transport)
}
