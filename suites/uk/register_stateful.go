package uk

import (
	"net/http"

	"github.com/dcrconform/dcrconform/harness/client"

	"github.com/dcrconform/dcrconform/suites/framework"
)

// Negative registration specs that need more than one request or a directory-side change.
var _ = framework.Describe("UK OBIE DCR 3.3: registration refused (stateful)", func() {
	framework.ConformanceIt(negative("UK-REG-N16", "register", "RFC7519-4.1.7-REPLAY",
		"a replayed request JWT (same jti) is refused after its first registration was deleted (the bank's choice: no UK text obliges it)", "400 invalid_client_metadata"),
		func(f *framework.Framework) {
			f.RequireDelete()
			sw := f.Software()
			body := f.Sign(sw, f.BaselineClaims(sw))
			resp, err := f.PostRegistration(sw, body, f.ContentType(), f.Cert(sw))
			f.SetupStatus("the first registration", resp, err, http.StatusCreated)
			reg := &framework.Registration{ClientID: clientID(f, resp), Software: sw}
			resp, err = f.Manage("DELETE", reg.ClientID, f.AccessToken(reg), "", sw.Transport)
			f.SetupStatus("the DELETE of the first registration", resp, err, http.StatusNoContent)
			resp, err = f.PostRegistration(sw, body, f.ContentType(), f.Cert(sw))
			f.ExpectError(resp, err, status400, badMetadata.codes(f)...)
		})

	framework.ConformanceIt(negative("UK-REG-N45", "register", "OBIE-DCR-3.3-SSA-REQUIRED",
		"a request without software_statement is refused, also after an earlier registration of the software was deleted",
		"400 invalid_software_statement|invalid_client_metadata"),
		func(f *framework.Framework) {
			f.RequireDelete()
			sw := f.Software()
			reg := f.Register(sw, f.BaselineClaims(sw))
			resp, err := f.Manage("DELETE", reg.ClientID, f.AccessToken(reg), "", sw.Transport)
			f.SetupStatus("the DELETE of the earlier registration", resp, err, http.StatusNoContent)
			resp, err = f.TryRegister(sw, f.BaselineClaims(sw).Without("software_statement"))
			f.ExpectRefusal(resp, err, status400, badMetadataOrSSA.codes(f)...)
		})

	// The OB Directory's SSA carries no software status: it revokes software by moving its keys to
	// software_jwks_revoked_endpoint (and org_jwks_revoked_endpoint). A TPP keeps the SSA issued before;
	// the bank must see that the key signing the request is no longer the software's.
	framework.ConformanceIt(negative("UK-REG-N23", "register", "OBIE-DCR-3.3-SSA-STATUS",
		"a request of software the directory has revoked (its keys moved to its revoked key set) is refused, with the SSA issued before",
		"400 unapproved_software_statement|invalid_software_statement|invalid_client_metadata"),
		func(f *framework.Framework) {
			sw := f.SoftwareWithOwnKeys()
			claims := f.BaselineClaims(sw)
			f.SetSoftwareStatus(sw, "Revoked")
			resp, err := f.TryRegister(sw, claims)
			f.ExpectError(resp, err, status400, unapprovedSSA.plus(badMetadata.codes(f)...).codes(f)...)
		})

	framework.ConformanceIt(negative("UK-REG-N24", "register", "OBIE-DCR-3.3-SSA-STATUS",
		"an SSA of an inactive organisation is refused", "400 unapproved_software_statement|invalid_software_statement"),
		func(f *framework.Framework) {
			sw := f.Software()
			f.SetOrganisationStatus(sw, "Inactive")
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw))
			f.ExpectError(resp, err, status400, unapprovedSSA.codes(f)...)
		})

	framework.ConformanceIt(negative("UK-REG-N33", "register", "OBIE-DCR-3.3-DUPLICATE",
		"a second registration of the same software is refused", "400 invalid_client_metadata"),
		func(f *framework.Framework) {
			f.RegisterBaseline()
			sw := f.Software()
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw))
			f.ExpectError(resp, err, status400, duplicate.codes(f)...)
		})

	framework.ConformanceIt(negative("UK-REG-N39", "register", "OBIE-DCR-3.3-MTLS",
		"a registration without a client certificate is refused (handshake refused, or 400, 401 or 403)", "TLS handshake refused or 400/401/403"),
		func(f *framework.Framework) {
			f.RequireMTLS()
			sw := f.Software()
			resp, err := f.PostRegistration(sw, f.Sign(sw, f.BaselineClaims(sw)), f.ContentType(), nil)
			f.ExpectRefusedWithoutCertificate(resp, err)
		})
})

// clientID is the client_id of a set-up registration's answer (the spec is skipped without one).
func clientID(f *framework.Framework, resp *client.Response) string {
	id, _ := f.SetupJSON("the first registration", resp)["client_id"].(string)
	if id == "" {
		f.SkipSetup("the first registration", "the %d answer carries no client_id: %s", resp.Status, resp.Excerpt(200))
	}
	return id
}
