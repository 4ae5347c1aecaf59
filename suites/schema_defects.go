package suites

import (
	"slices"

	"github.com/dcrconform/dcrconform/fixtures/requirements"
	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/profiles"
)

// schemaSpecs are the UK specs that check each kind of answer against the OpenAPI schema (suites/uk/schema.go).
var schemaSpecs = map[string]string{
	requirements.AnswerRegistration: "UK-SCH-001", requirements.AnswerRead: "UK-SCH-002", requirements.AnswerUpdate: "UK-SCH-003",
	requirements.AnswerError: "UK-SCH-004", requirements.AnswerUnauthorized: "UK-SCH-005",
}

// schemaAlsoCaught are the specs besides the schema's that a generated schema defect fails, each under
// its own requirement, because the broken member is one they judge too (UK-SCH-006 judges the auth
// method and subject DN of a tls_client_auth registration's answer, which the defect breaks as it breaks
// the baseline's): a member answered otherwise than
// registered breaks RFC 7591 section 3.2.1's echo as well as the schema (UK-REG-001..004, UK-GET-001,
// UK-PUT-001), a client_secret for a private_key_jwt client UK-REG-005's rule, a software_statement
// changed UK-REG-006's, a read without client_id UK-GET-001's, an error without error RFC 7591 section
// 3.2.2's (UK-REG-N34, N37 judge the error format). The run of each defect shows exactly these.
var schemaAlsoCaught = map[string][]string{
	"oas-grant-types":                     echoSpecs,
	"oas-3.3-grant-types":                 echoSpecs,
	"oas-3.4-grant-types":                 echoSpecs,
	"oas-application-type":                echoSpecs,
	"oas-3.4-application-type":            echoSpecs,
	"oas-response-types":                  echoSpecs,
	"oas-scope":                           echoSpecs,
	"oas-software-id":                     echoSpecs,
	"oas-redirect-uris":                   append(slices.Clone(echoSpecs), "UK-REG-004"),
	"oas-token-endpoint-auth-method":      append(slices.Clone(echoSpecs), "UK-REG-002", "UK-SCH-006"),
	"oas-token-endpoint-auth-signing-alg": append(slices.Clone(echoSpecs), "UK-REG-003"),
	"oas-id-token-alg":                    {"UK-REG-003"},
	"oas-request-object-alg":              {"UK-REG-003"},
	"oas-required":                        {"UK-REG-003"}, // drops request_object_signing_alg
	"oas-tls-dn":                          {"UK-REG-002", "UK-SCH-006"},
	"oas-3.4-tls-dn":                      {"UK-REG-002", "UK-SCH-006"},
	"oas-client-secret":                   {"UK-REG-005"},
	"oas-software-statement":              {"UK-REG-006"},
	"oas-client-id-required":              {"UK-GET-001"},
	"oas-error":                           {"UK-REG-N34", "UK-REG-N37"},
}

// echoSpecs judge the echo of the baseline's members in the registration, read and update answers.
var echoSpecs = []string{"UK-REG-001", "UK-GET-001", "UK-PUT-001"}

// The defects generated from the register's schema rules (harness/bank/schema.go): each is caught by
// the schema spec of the first answer it breaks (the read and update specs leave a breach the
// registration answer shows to UK-SCH-001), and runs at a version its rule applies to.
func init() {
	uk, _ := profiles.Lookup("uk")
	for name, q := range bank.SchemaDefects() {
		var specs []string
		for _, a := range []string{requirements.AnswerRegistration, requirements.AnswerRead, requirements.AnswerUpdate, requirements.AnswerError, requirements.AnswerUnauthorized} {
			if !q.Schema.Governs(a) {
				continue
			}
			// client_id cannot leave the registration answer (the harness could manage nothing): read and update lose it.
			if a == requirements.AnswerRegistration && slices.Contains(q.Schema.Required, "client_id") {
				continue
			}
			specs = append(specs, schemaSpecs[a])
			if a == requirements.AnswerRegistration {
				break
			}
		}
		DefectCatches[name] = append(specs, schemaAlsoCaught[name]...)
		if !q.AppliesTo(uk.DefaultVersion) {
			for _, v := range slices.Backward(uk.Versions) {
				if q.AppliesTo(v) {
					DefectVersions[name] = v
					break
				}
			}
		}
	}
}
