package uk

import (
	"net/http"
	"slices"
	"strings"

	"github.com/dcrconform/dcrconform/fixtures/requirements"
	"github.com/dcrconform/dcrconform/harness/client"
	"github.com/dcrconform/dcrconform/mockdirectory"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// The answers checked against the OpenAPI document of the version under test (target.version): the
// rules are the register's schema entries (fixtures/requirements/obie-dcr-openapi.yaml), declared there
// once; each spec cites every observable entry governing its answer, and checks those of its version.
var _ = framework.Describe("UK OBIE DCR: answers against the version's OpenAPI schema", func() {
	framework.ConformanceIt(positive("UK-SCH-001", "register", schemaIDs(requirements.AnswerRegistration),
		"the registration answer meets the version's OpenAPI schema (OBClientRegistration1 with client_id)", "201 meeting the schema"),
		func(f *framework.Framework) {
			sw := f.Software()
			resp, err := f.TryRegister(sw, f.BaselineClaims(sw))
			f.SetupStatus("the registration of the baseline", resp, err, http.StatusCreated)
			expectSchema(f, requirements.AnswerRegistration, resp, f.SetupJSON("the registration of the baseline", resp), nil)
		})

	framework.ConformanceIt(positive("UK-SCH-006", "register", schemaIDsOf(requirements.AnswerRegistration, tlsMembers...),
		"a tls_client_auth registration answer's subject DN and auth method meet the version's OpenAPI schema", "201 meeting the schema"),
		func(f *framework.Framework) {
			reg := registerTLSClientAuth(f, false)
			c := f.Verdict()
			for _, q := range schemaRules(f, requirements.AnswerRegistration) {
				if slices.Contains(tlsMembers, q.Schema.Member) {
					for _, b := range q.Schema.Check(reg.Metadata) {
						addBreach(c, q, b)
					}
				}
			}
			c.Done()
		})

	framework.ConformanceIt(positive("UK-SCH-002", "read", schemaIDs(requirements.AnswerRead),
		"the read answer meets the version's OpenAPI schema", "200 meeting the schema"),
		func(f *framework.Framework) {
			f.RequireRead()
			reg := f.RegisterBaseline()
			resp, err := f.Manage("GET", reg.ClientID, f.AccessToken(reg), "", reg.Software.Transport)
			f.SetupStatus("the read of the registration", resp, err, http.StatusOK)
			expectSchema(f, requirements.AnswerRead, resp, f.SetupJSON("the read of the registration", resp), reg.Metadata)
		})

	framework.ConformanceIt(positive("UK-SCH-003", "update", schemaIDs(requirements.AnswerUpdate),
		"the update answer meets the version's OpenAPI schema", "200 meeting the schema"),
		func(f *framework.Framework) {
			f.RequireUpdate()
			reg := f.RegisterBaseline()
			resp, err := f.Manage("PUT", reg.ClientID, f.AccessToken(reg), f.Sign(reg.Software, f.BaselineClaims(reg.Software)), reg.Software.Transport)
			f.SetupStatus("the update of the registration", resp, err, http.StatusOK)
			expectSchema(f, requirements.AnswerUpdate, resp, f.SetupJSON("the update of the registration", resp), reg.Metadata)
		})

	framework.ConformanceIt(positive("UK-SCH-004", "register", schemaIDs(requirements.AnswerError),
		"a refused registration's 400 body meets the version's OpenAPI schema (RegistrationError)", "400 meeting the schema"),
		func(f *framework.Framework) {
			sw := f.Software()
			claims := f.BaselineClaims(sw).With("software_statement", f.SSA(sw, mockdirectory.SSAOptions{Break: mockdirectory.BreakBadSignature}))
			resp, err := f.TryRegister(sw, claims)
			f.ExpectNoTransportError(err)
			if resp.Status != http.StatusBadRequest {
				f.Skipf("inconclusive: a registration with a badly signed SSA was answered %s, not 400: the refusal is UK-REG-N01's to judge, the 400's body this spec's", resp.StatusText())
			}
			obj, jerr := resp.JSONObject()
			if jerr != nil {
				f.Skipf("inconclusive: the 400's body is not a JSON object (%v): the error format is RFC 7591 section 3.2.2's specs' to judge", jerr)
			}
			expectSchema(f, requirements.AnswerError, resp, obj, nil)
		})

	framework.ConformanceIt(positive("UK-SCH-005", "read", schemaIDs(requirements.AnswerUnauthorized),
		"a 401's WWW-Authenticate meets the version's OpenAPI schema (^Bearer .*)", "401 whose WWW-Authenticate matches"),
		func(f *framework.Framework) {
			f.RequireRead()
			reg := f.RegisterBaseline()
			resp, err := f.Manage("GET", reg.ClientID, "not-a-token-"+framework.NewID(), "", reg.Software.Transport)
			f.ExpectNoTransportError(err)
			if resp.Status != http.StatusUnauthorized {
				f.Skipf("inconclusive: a read with an unknown access token was answered %s, not 401: the refusal is UK-GET-N03's to judge, the 401's header this spec's", resp.StatusText())
			}
			c := f.Verdict().On(resp)
			for _, q := range schemaRules(f, requirements.AnswerUnauthorized) {
				// The schema constrains the header's value: its field lines combined in order, ", "-separated
				// (RFC 9110 section 5.3), so a second challenge on a line of its own (DPoP after Bearer) is
				// judged as if sent on the first. The schema does not require the header: RFC 6750's specs
				// judge its absence.
				if lines := resp.Header.Values(q.Schema.Header); len(lines) > 0 {
					for _, b := range q.Schema.Check(map[string]any{q.Schema.Header: strings.Join(lines, ", ")}) {
						addBreach(c, q, b)
					}
				}
			}
			c.Done()
		})
})

// tlsMembers are the members a tls_client_auth registration answers otherwise than the baseline: UK-SCH-006
// judges them in such an answer (UK-SCH-001 judges the baseline's).
var tlsMembers = []string{"token_endpoint_auth_method", "tls_client_auth_subject_dn"}

// schemaIDs are the observable schema entries, of every version, governing answer: a spec's citation.
func schemaIDs(answer string) string { return schemaIDsOf(answer) }

// schemaIDsOf are those of schemaIDs on the given members (all, when none is given).
func schemaIDsOf(answer string, members ...string) string {
	var ids []string
	for _, s := range requirements.MustLoad().Sources {
		for _, q := range s.Requirements {
			if q.Schema.Governs(answer) && q.Observable() && (len(members) == 0 || slices.Contains(members, q.Schema.Member)) {
				ids = append(ids, q.ID)
			}
		}
	}
	return strings.Join(ids, ", ")
}

// schemaRules are the schema entries governing answer at the version under test.
func schemaRules(f *framework.Framework, answer string) []requirements.Requirement {
	return requirements.MustLoad().SchemaRules(f.Target.Version, answer)
}

// expectSchema checks obj, the answer resp carried, against every rule of its kind at the version under
// test, failing at the level of the rule's entry (MUST) with the member, rule and value of each breach.
// A breach the registration answer (registered, nil for none) already showed, same rule, same member,
// same form, is that answer's (UK-SCH-001's) and only noted here: one deviation, one failure.
func expectSchema(f *framework.Framework, answer string, resp *client.Response, obj, registered map[string]any) {
	c := f.Verdict().On(resp)
	for _, q := range schemaRules(f, answer) {
		before := q.Schema.Check(registered)
		for _, b := range q.Schema.Check(obj) {
			if registered != nil && q.Schema.Governs(requirements.AnswerRegistration) && slices.ContainsFunc(before, func(x requirements.Breach) bool {
				return x == b
			}) {
				f.Note("the %s answer breaks %s as the registration answer did (UK-SCH-001's): %s", answer, q.ID, b)
				continue
			}
			addBreach(c, q, b)
		}
	}
	c.Done()
}

func addBreach(c *framework.Checks, q requirements.Requirement, b requirements.Breach) {
	if b.TypeBreach() { // "client_id is a number (12345), not a string", as the framework's type checks say
		c.AddFor([]string{q.ID}, b.Member+": "+b.Rule, "%s is %s", b.Member, b.Value)
		return
	}
	c.AddFor([]string{q.ID}, b.Member+": "+b.Rule, "%s: %s", b.Member, b.Value)
}
