package uk

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/suites/framework"
)

var _ = framework.Describe("UK OBIE DCR 3.3: Bearer challenge", func() {
	framework.ConformanceIt(negative("UK-GET-N30", "read", "RFC6750-3-REALM-ONCE, RFC6750-3-SCOPE-ONCE, RFC6750-3-ERROR-ONCE, RFC6750-3-CHARS",
		"the challenge to a GET with an access token the bank never issued names realm, scope, error, error_description and error_uri at most once each, their values within RFC 6750 section 3's characters",
		"401, each attribute at most once, values without \" \\ or non-ASCII"),
		func(f *framework.Framework) {
			f.RequireRead()
			reg := f.RegisterBaseline()
			resp, err := f.Manage("GET", reg.ClientID, "never-issued-"+framework.NewID(), "", reg.Software.Transport)
			f.ExpectNoTransportError(err)
			challenge := strings.TrimSpace(resp.Header.Get("WWW-Authenticate"))
			scheme, rest, _ := strings.Cut(challenge, " ")
			if resp.Status != http.StatusUnauthorized || !strings.EqualFold(scheme, "bearer") {
				f.Skipf("inconclusive: the answer is %d with WWW-Authenticate %q, no Bearer challenge to read (the status and the challenge are the N03 and N06 specs')", resp.Status, challenge)
			}
			params, perr := bearerParams(rest)
			c := f.Verdict().On(resp)
			if perr != "" {
				c.AddFor([]string{"RFC6750-3-CHARS"}, "auth-params of the form name=token or name=\"quoted-string\"", "%s in WWW-Authenticate %q", perr, challenge)
			}
			for _, a := range []struct {
				name, once string
				allowed    *regexp.Regexp
			}{
				{"realm", "RFC6750-3-REALM-ONCE", nil},
				{"scope", "RFC6750-3-SCOPE-ONCE", scopeChars},
				{"error", "RFC6750-3-ERROR-ONCE", errorChars},
				{"error_description", "RFC6750-3-ERROR-ONCE", errorChars},
				{"error_uri", "RFC6750-3-ERROR-ONCE", errorURIChars},
			} {
				values := params[a.name]
				if len(values) > 1 {
					c.AddFor([]string{a.once}, "the "+a.name+" attribute at most once", "%d times in WWW-Authenticate %q", len(values), challenge)
				}
				for _, v := range values {
					if a.allowed != nil && !a.allowed.MatchString(v) {
						c.AddFor([]string{"RFC6750-3-CHARS"}, a.name+" within the characters RFC 6750 section 3 allows", "%s %q", a.name, v)
					}
				}
			}
			c.Done()
		})
})

// scopeChars: scope values of %x21 / %x23-5B / %x5D-7E, delimited by spaces (RFC 6750 section 3).
var scopeChars = regexp.MustCompile(`^[\x20\x21\x23-\x5B\x5D-\x7E]*$`)

// bearerParams reads the auth-params after the Bearer scheme: name=token or name="quoted-string" (its
// escapes undone), comma-separated, until the end or the next scheme. problem names what is not of
// that form.
func bearerParams(s string) (params map[string][]string, problem string) {
	params = map[string][]string{}
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return params, ""
		}
		name, rest, ok := strings.Cut(s, "=")
		name = strings.TrimSpace(name)
		if !ok || strings.ContainsAny(name, " \t,\"") {
			return params, "" // the next challenge's scheme: this one ends here
		}
		rest = strings.TrimLeft(rest, " \t")
		var value string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i, closed := 1, false
			for ; i < len(rest); i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
					b.WriteByte(rest[i])
					continue
				}
				if rest[i] == '"' {
					closed = true
					break
				}
				b.WriteByte(rest[i])
			}
			if !closed {
				return params, "an unterminated quoted-string"
			}
			value, s = b.String(), rest[i+1:]
		} else {
			value, s, _ = strings.Cut(rest, ",")
			value = strings.TrimSpace(value)
		}
		params[strings.ToLower(name)] = append(params[strings.ToLower(name)], value)
	}
}

// expectBareRequestChallenge judges the Bearer challenge to a request that carried no credentials (RFC
// 6750 section 3): the scheme is followed by one or more auth-params (MUST), and carries no error code
// (section 3.1, SHOULD NOT: a warning). A challenge that is missing or not Bearer is ExpectUnauthorized's.
func expectBareRequestChallenge(f *framework.Framework, resp *client.Response) {
	challenge := strings.TrimSpace(resp.Header.Get("WWW-Authenticate"))
	scheme, params, _ := strings.Cut(challenge, " ")
	if !strings.EqualFold(scheme, "bearer") {
		return
	}
	c := f.Verdict().On(resp)
	if !strings.Contains(params, "=") {
		c.AddFor([]string{"RFC6750-3-PARAMS"}, "the Bearer scheme followed by one or more auth-param values (e.g. realm=\"...\")", "WWW-Authenticate %q", challenge)
	} else if bearerErrorParam.MatchString(params) {
		c.AddFor([]string{"RFC6750-3-NO-CODE"}, "no error code in the challenge to a request that carried no credentials", "WWW-Authenticate %q", challenge)
	}
	c.Done()
}

var bearerErrorParam = regexp.MustCompile(`(?i)(^|[\s,])error\s*=`)
