package rfc7591

import (
	"math"
	"net/http"

	"github.com/dcrconform/dcrconform/suites/framework"
)

// minTokenBits is the guessing bound RFC 7592 section 5 points to (RFC 6750 section 5.2, RFC 6819
// section 5.1.4.2.2), which RFC 6749 section 10.10 states: a probability of at most 2^-128.
const minTokenBits = 128

// The RFC 7592 rules on the registration access token itself (section 5, appendix A.1).
var _ = framework.Describe("RFC 7591/7592: registration access token", func() {
	framework.ConformanceIt(positive("RFC-REG-006", "register", "RFC7592-5-ENTROPY",
		"the registration access token is long enough to carry 128 bits of entropy for its alphabet (RFC 6749 section 10.10's 2^-128 guessing bound)",
		"a registration access token of at least 128 bits"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			token := f.ManagementToken(reg)
			symbols, bits := tokenBound(token)
			if bits < minTokenBits {
				// The token itself stays out of the report: it is a credential.
				f.Failf("a registration access token that can hold 128 bits of entropy (RFC7592-5-ENTROPY)",
					"%d characters of an alphabet of at most %d symbols: %.0f bits at most", len(token), symbols, bits)
			}
		})

	framework.ConformanceIt(negative("RFC-PUT-N08", "update", "RFC7592-A.1-DISCARD",
		"once an update rotates the registration access token, the old token no longer reads the client",
		"the old token refused (401)"),
		func(f *framework.Framework) {
			f.RequireUpdate()
			f.RequireRead()
			reg := f.RegisterBaseline()
			old := f.ManagementToken(reg)
			renameClient(f, reg) // ManageReg takes the rotated token
			if reg.RegistrationToken == old {
				f.Skipf("the update did not rotate the registration access token, so no old one is left to refuse")
			}
			resp, err := f.ManageAt(http.MethodGet, f.ManagementURL(reg), old, "", f.Cert(reg.Software))
			f.ExpectNoTransportError(err)
			if resp.Status/100 == 2 {
				c := f.Verdict()
				c.AddFor([]string{"RFC7592-A.1-DISCARD"}, "the rotated-out registration access token refused", "%s: it still reads the client", resp.StatusText())
				c.Done()
			}
		})
})

// tokenBound is an upper bound on the entropy of a token: its length times the log2 of the size of
// the alphabet its characters show (the classes digits, lower case, upper case, each other byte on its
// own). A generator drawing from a larger alphabet than a long token shows is vanishingly rare, so a
// token under the bound cannot hold that much entropy.
func tokenBound(token string) (symbols int, bits float64) {
	var digit, lower, upper bool
	others := map[byte]bool{}
	for i := 0; i < len(token); i++ {
		switch ch := token[i]; {
		case ch >= '0' && ch <= '9':
			digit = true
		case ch >= 'a' && ch <= 'z':
			lower = true
		case ch >= 'A' && ch <= 'Z':
			upper = true
		default:
			others[ch] = true
		}
	}
	for _, class := range []struct {
		present bool
		size    int
	}{{digit, 10}, {lower, 26}, {upper, 26}} {
		if class.present {
			symbols += class.size
		}
	}
	symbols += len(others)
	if symbols < 2 {
		return symbols, 0
	}
	return symbols, float64(len(token)) * math.Log2(float64(symbols))
}
