package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Folding keeps each JWT of an exchange once, decoded: a transcript records a signed request both as
// its compact form and decoded in "jwts", and an SSA again inside the request's claims and in the
// bank's answer. The JSON and HTML reports write the decoded form only and put a marker where the
// other copies were, so that a passing run's reports stay small (see SCHEMA.md). Nothing else changes.

// foldedJWT is the marker that replaces a JWT decoded in the exchange's jwts under role.
func foldedJWT(role string) string { return fmt.Sprintf("[JWT: decoded in jwts as %q]", role) }

// foldRun returns a copy of r with every exchange folded; r is not changed.
func foldRun(r *Run) *Run {
	out := *r
	out.Specs = make([]Spec, len(r.Specs))
	for i, s := range r.Specs {
		exs := make([]transcript.Exchange, len(s.Exchanges))
		for j, ex := range s.Exchanges {
			exs[j] = foldExchange(ex)
		}
		s.Exchanges = exs
		out.Specs[i] = s
	}
	return &out
}

func foldExchange(ex transcript.Exchange) transcript.Exchange {
	if len(ex.JWTs) == 0 {
		return ex
	}
	// The same JWT decoded twice (an SSA sent and echoed back) is kept once; a copy, as claims change below.
	jwts := slices.Clone(dedupeJWTs(ex.JWTs))
	roles := map[string]bool{}
	for _, j := range jwts {
		roles[j.Role] = true
	}
	for i, j := range jwts {
		folded, _ := foldValue(j.Claims, roles)
		if c, ok := folded.(map[string]any); ok {
			jwts[i].Claims = c
		}
	}
	ex.JWTs = jwts
	ex.RequestBody = foldBody(ex.RequestBody, "request", roles)
	ex.ResponseBody = foldBody(ex.ResponseBody, "response", roles)
	return ex
}

// foldBody replaces a compact JWT body decoded as side, and JWT members of a JSON body decoded under
// their member name, by markers. Other bodies are returned as they are.
func foldBody(body, side string, roles map[string]bool) string {
	t := strings.TrimSpace(body)
	switch {
	case t == "":
		return body
	case isCompactJWT(t):
		if roles[side] {
			return foldedJWT(side)
		}
		return body
	case strings.HasPrefix(t, "{"):
		d := json.NewDecoder(strings.NewReader(t))
		d.UseNumber()
		var v any
		if d.Decode(&v) != nil || d.More() {
			return body
		}
		folded, changed := foldValue(v, roles)
		if !changed {
			return body // an unchanged body keeps its bytes
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if enc.Encode(folded) != nil {
			return body
		}
		return strings.TrimSuffix(b.String(), "\n")
	}
	return body
}

// foldValue returns v with every string member that is a compact JWT, named like a decoded JWT's
// role, replaced by a marker, and whether it replaced any; maps and slices are copied, never changed
// in place.
func foldValue(v any, roles map[string]bool) (any, bool) {
	changed := false
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if s, ok := e.(string); ok && roles[k] && isCompactJWT(s) {
				out[k], changed = foldedJWT(k), true
				continue
			}
			var c bool
			out[k], c = foldValue(e, roles)
			changed = changed || c
		}
		return out, changed
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var c bool
			out[i], c = foldValue(e, roles)
			changed = changed || c
		}
		return out, changed
	}
	return v, false
}
