package bank

import (
	"net/http"
	"slices"
	"strings"

	"github.com/dcrconform/dcrconform/fixtures/requirements"
)

// Schema defects are generated from the register's schema rules (fixtures/requirements, entries with
// schema): one per observable bank-side rule, named SchemaDefect(id), that breaks the rule as the rule
// says (requirements.Schema.Violate) in exactly the answers it governs, at the UK DCR versions it
// applies to. Only rules of a version the bank serves get one.
var schemaDefects = func() map[string]requirements.Requirement {
	out := map[string]requirements.Requirement{}
	for _, s := range requirements.MustLoad().Sources {
		for _, q := range s.Requirements {
			if q.Schema == nil || !q.Observable() || !slices.ContainsFunc(dialects, func(d *dialect) bool {
				return d.name == ProfileUK && q.AppliesTo(d.version)
			}) {
				continue
			}
			out[SchemaDefect(q.ID)] = q
		}
	}
	return out
}()

func init() {
	for name, q := range schemaDefects {
		defectCatalogue[name] = "UK: answers (" + strings.Join(q.Schema.Answers, ", ") + ") breaking the OpenAPI rule " + q.ID +
			" on " + ruleSubject(q.Schema) + versionsText(q.Versions)
	}
}

func ruleSubject(s *requirements.Schema) string {
	if s.Subject() == "" || len(s.Required) > 0 {
		return "the required " + strings.Join(s.Required, ", ")
	}
	return s.Subject()
}

func versionsText(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return ", at " + strings.Join(v, ", ")
}

// SchemaDefect is the name of the defect generated from the schema rule id.
func SchemaDefect(id string) string {
	return "oas-" + strings.ToLower(strings.TrimPrefix(id, "OBIE-OAS-"))
}

// SchemaDefects maps each generated schema defect to its rule's register entry.
func SchemaDefects() map[string]requirements.Requirement {
	out := make(map[string]requirements.Requirement, len(schemaDefects))
	for k, v := range schemaDefects {
		out[k] = v
	}
	return out
}

// schemaBreaks are the switched-on schema defects whose rules govern answer at the dialect's version.
func (b *Bank) schemaBreaks(d *dialect, answer string) []*requirements.Schema {
	if d == nil || d.name != ProfileUK {
		return nil
	}
	var out []*requirements.Schema
	for name, q := range schemaDefects {
		if b.defects[name] && q.Schema.Governs(answer) && q.AppliesTo(d.version) {
			out = append(out, q.Schema)
		}
	}
	return out
}

// breakAnswer applies the switched-on schema defects to a client information answer. client_id is
// left alone: its length is the issued identifier's (issueClientID), and an answer without it leaves
// a client nothing to manage, so that rule is broken in read and update answers only.
func (b *Bank) breakAnswer(d *dialect, op string, out map[string]any) {
	answer := map[string]string{opCreate: requirements.AnswerRegistration, opRead: requirements.AnswerRead, opUpdate: requirements.AnswerUpdate}[op]
	for _, s := range b.schemaBreaks(d, answer) {
		if s.Member == "client_id" || (slices.Contains(s.Required, "client_id") && op == opCreate) {
			continue
		}
		s.Violate(out)
	}
}

// issueClientID is the client_id a registration gets: "" (the store's own) unless a schema defect on
// client_id's form is on, which makes one that breaks it.
func (b *Bank) issueClientID(d *dialect) string {
	for _, s := range b.schemaBreaks(d, requirements.AnswerRegistration) {
		if s.Member == "client_id" {
			id := map[string]any{"client_id": randomID()}
			s.Violate(id)
			v, _ := id["client_id"].(string)
			return v
		}
	}
	return ""
}

// breakRefusal applies the switched-on schema defects to a refusal of a UK request: a 400 to POST
// or PUT (its body), a 401 (its WWW-Authenticate header).
func (b *Bank) breakRefusal(r *http.Request, status int, w http.ResponseWriter, body map[string]any) {
	d, _, ok := route(r.URL.Path)
	if !ok {
		return
	}
	switch {
	case status == http.StatusBadRequest && (r.Method == http.MethodPost || r.Method == http.MethodPut):
		for _, s := range b.schemaBreaks(d, requirements.AnswerError) {
			s.Violate(body)
		}
	case status == http.StatusUnauthorized:
		for _, s := range b.schemaBreaks(d, requirements.AnswerUnauthorized) {
			h := map[string]any{}
			if v := w.Header().Get(s.Header); v != "" {
				h[s.Header] = v
			}
			s.Violate(h)
			if v, ok := h[s.Header].(string); ok {
				w.Header().Set(s.Header, v)
			}
		}
	}
}
