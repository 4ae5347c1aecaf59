package uk

import (
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/dcrconform/dcrconform/mockdirectory"
	"github.com/dcrconform/dcrconform/suites/framework"
)

var _ = framework.Describe("UK OBIE DCR 3.3: registration", func() {
	framework.ConformanceIt(positive("UK-REG-001", "register", "RFC7591-3.2.1",
		"a valid signed registration request is accepted with a client_id and consistent metadata", "201 with client_id"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			expectEchoedMetadata(f, reg)
		})

	framework.ConformanceIt(negative("UK-REG-N01", "register", "RFC7591-3.2.2",
		"an SSA with a bad signature is refused", "400 invalid_software_statement"),
		func(f *framework.Framework) {
			sw := f.Software()
			claims := f.BaselineClaims(sw).With("software_statement", f.SSA(sw, mockdirectory.SSAOptions{Break: mockdirectory.BreakBadSignature}))
			resp, err := f.TryRegister(sw, claims)
			f.ExpectError(resp, err, []int{http.StatusBadRequest}, "invalid_software_statement")
		})

	framework.ConformanceIt(negative("UK-REG-N02", "register", "RFC7519-4.1.4",
		"an expired registration request JWT is refused", "400 invalid_client_metadata"),
		func(f *framework.Framework) {
			sw := f.Software()
			claims := f.BaselineClaims(sw).With("exp", time.Now().Add(-10*time.Minute).Unix())
			resp, err := f.TryRegister(sw, claims)
			f.ExpectError(resp, err, []int{http.StatusBadRequest}, "invalid_client_metadata")
		})

	framework.ConformanceIt(negative("UK-REG-N03", "register", "RFC7591-3.2.2",
		"a redirect URI that is not among the SSA's software_redirect_uris is refused", "400 invalid_redirect_uri"),
		func(f *framework.Framework) {
			sw := f.Software()
			claims := f.BaselineClaims(sw).With("redirect_uris", []string{"https://attacker.example/cb"})
			resp, err := f.TryRegister(sw, claims)
			f.ExpectError(resp, err, []int{http.StatusBadRequest}, "invalid_redirect_uri")
		})
})

// echoedMembers are request metadata that the 201 body must return unchanged (RFC 7591 section 3.2.1).
var echoedMembers = []string{"redirect_uris", "token_endpoint_auth_method", "token_endpoint_auth_signing_alg",
	"grant_types", "response_types", "software_id", "scope", "application_type"}

func expectEchoedMetadata(f *framework.Framework, reg *framework.Registration) {
	for _, k := range echoedMembers {
		sent, ok := reg.Claims[k]
		if !ok {
			continue
		}
		got, present := reg.Metadata[k]
		if !present {
			f.Failf(fmt.Sprintf("%s %v in the response metadata (RFC7591-3.2.1)", k, sent), "%s missing", k)
		}
		if !sameJSON(sent, got) {
			f.Failf(fmt.Sprintf("%s %v as registered (RFC7591-3.2.1)", k, sent), "%s %v", k, got)
		}
	}
	switch v := reg.Metadata["client_id_issued_at"].(type) {
	case nil:
	case string, fmt.Stringer: // a number (json.Number) or a string: banks send both
	default:
		f.Failf("client_id_issued_at as a number or a string (RFC7591-3.2.1)", "%T", v)
	}
}

// sameJSON compares a sent value with a decoded one: []string against []any, strings against strings.
func sameJSON(sent, got any) bool {
	switch s := sent.(type) {
	case []string:
		g, ok := got.([]any)
		if !ok || len(g) != len(s) {
			return false
		}
		for i := range s {
			if g[i] != s[i] {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(sent, got)
	}
}
