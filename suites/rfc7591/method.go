package rfc7591

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// RFC 7592 section 2: "If an authorization server does not support a particular method on the client
// configuration endpoint, it MUST respond with the appropriate error code." HTTP's code for a method the
// resource does not support is 405 (RFC 9110 section 15.5.6), or 501 for one the server does not
// recognise (15.6.2); RFC 7592 defines GET, PUT and DELETE there, and no PATCH.
var _ = framework.Describe("RFC 7591/7592: client configuration endpoint", func() {
	framework.ConformanceIt(positive("RFC-REG-008", "register", "RFC7592-B, RFC7592-3",
		"registration_client_uri is the fully qualified URL of the client configuration endpoint (absolute, with its host), not a path for the client to complete",
		"201 whose registration_client_uri is an absolute URL"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			uri, _ := reg.Metadata["registration_client_uri"].(string)
			if uri == "" {
				f.Skipf("the registration answer carries no registration_client_uri (RFC-REG-001 judges that)")
			}
			if u, err := url.Parse(uri); err != nil || !u.IsAbs() || u.Host == "" {
				f.Failf("a fully qualified registration_client_uri: scheme and host included (RFC7592-B)", "registration_client_uri %q", uri)
			}
		})

	framework.ConformanceIt(positive("RFC-REG-009", "register", "RFC7592-B-FORM",
		"registration_client_uri carries the client_id, as its last path segment or its client_id query parameter (RECOMMENDED: a warning otherwise)",
		"registration_client_uri ending in /{client_id}, or with ?client_id={client_id}"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			uri := f.ManagementURL(reg)
			u, err := url.Parse(uri)
			if err != nil || reg.RegistrationURI == "" {
				f.Skipf("the registration answer carries no usable registration_client_uri (RFC-REG-001 and RFC-REG-008 judge it)")
			}
			segments := strings.Split(strings.TrimSuffix(u.EscapedPath(), "/"), "/")
			last, _ := url.PathUnescape(segments[len(segments)-1])
			if last != reg.ClientID && u.Query().Get("client_id") != reg.ClientID {
				c := f.Verdict()
				c.AddFor([]string{"RFC7592-B-FORM"}, "the client_id "+reg.ClientID+" as the last path segment or the client_id query parameter of registration_client_uri",
					"registration_client_uri %q", uri)
				c.Done()
			}
		})

	framework.ConformanceIt(negative("RFC-PUT-N09", "update", "RFC7592-2-METHOD",
		"PATCH, a method RFC 7592 does not define, at registration_client_uri with the registration access token is answered 405 (or 501), and changes nothing; a server that supports PATCH (an extension) applies it",
		"405 or 501 and the client unchanged, or 2xx with the change applied"),
		func(f *framework.Framework) {
			reg := f.RegisterBaseline()
			victim := f.WatchVictim(reg)
			name := "patched " + reg.ClientID
			resp, err := f.ManageAt(http.MethodPatch, f.ManagementURL(reg), f.ManagementToken(reg),
				`{"client_name":"`+name+`"}`, f.Cert(reg.Software))
			f.ExpectNoTransportError(err)
			if resp.Status/100 == 2 {
				// RFC7592-2-METHOD binds a server that does not support the method: one that supports PATCH
				// applies it. A 2xx that changed nothing answered a method it does not support.
				if patched(f, reg, resp, name) {
					f.Skipf("the server supports PATCH at the client configuration endpoint (an extension RFC 7592 allows): %s, client_name changed", resp.StatusText())
				}
				f.FailAt(resp, "405 or 501 for a method the server does not support, or the change applied by one that supports it (RFC7592-2-METHOD)",
					"%s, and client_name not changed to %q", resp.StatusText(), name)
			}
			f.ExpectStatus(resp, err, http.StatusMethodNotAllowed, http.StatusNotImplemented)
			f.ExpectVictimUnchanged(victim)
		})
})

// patched reports whether the PATCH answered resp changed reg's client_name, asked to be name: in its
// answer, or (where the target supports reads) in a read after it. A server may register its own value in
// place of the one asked (RFC 7591 section 2; the bank choice metadata=replaced): a client_name other
// than the registered one that carries name is the change applied.
func patched(f *framework.Framework, reg *framework.Registration, resp *client.Response, name string) bool {
	applied := func(md map[string]any) bool {
		got, _ := md["client_name"].(string)
		return got != "" && got != reg.Metadata["client_name"] && strings.Contains(got, name)
	}
	if md, err := resp.JSONObject(); err == nil && applied(md) {
		return true
	}
	if !f.Target.Supports.Read {
		return false
	}
	read, err := f.ManageAt(http.MethodGet, f.ManagementURL(reg), f.ManagementToken(reg), "", f.Cert(reg.Software))
	f.FollowRotation(reg, read, err)
	if err != nil || read.Status != http.StatusOK {
		return false
	}
	md, jerr := read.JSONObject()
	return jerr == nil && applied(md)
}
