package reports

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Shared JWT members (schema v2). A run's decoded JWTs of one role in one profile's specs repeat most
// of their header and claims (every SSA names the same directory, every registration request the same
// grant types), so the JSON report writes, per profile and role, a member's most common value once, in
// the run's "jwts_shared", and each JWT only its other members, naming in "shared_absent" the shared
// members it lacks. A reader rebuilds a JWT as shared ∪ own − absent (expandSpecs). Values are compared
// by their JSON encoding, so the bytes written are the bytes the JWT would have had on its own.
// Per profile, because profiles' SSAs differ: per role alone, a passing run of every profile took 41 KB more.

// minShared is how many JWTs of a role must have a member's value for it to be shared.
const minShared = 3

// jwtShared is what the decoded JWTs of one role in one profile's specs share: jwts_shared[profile][role].
type jwtShared struct {
	Header map[string]any `json:"header,omitempty"`
	Claims map[string]any `json:"claims,omitempty"`
}

// jwtAbsent names the shared members a JWT does not have.
type jwtAbsent struct {
	Header []string `json:"header,omitempty"`
	Claims []string `json:"claims,omitempty"`
}

// wireJWT is a decoded JWT as the report holds it: without the members equal to its role's shared ones.
type wireJWT struct {
	Role         string         `json:"role"`
	Header       map[string]any `json:"header"`
	Claims       map[string]any `json:"claims"`
	SharedAbsent *jwtAbsent     `json:"shared_absent,omitempty"`
}

// wireExchange and wireSpec are Exchange and Spec with wire JWTs; their other members, and the order
// of all members, are the embedded type's.
type wireExchange struct {
	transcript.Exchange
	JWTs []wireJWT `json:"jwts,omitempty"`
}

type wireSpec struct {
	Spec
	Exchanges []wireExchange `json:"exchanges"`
}

// sharedSet is one side (header or claims) of a role's shared members, with their encodings.
type sharedSet struct {
	values map[string]any
	enc    map[string]string
}

type roleShared struct{ header, claims sharedSet }

// sharedKey groups the JWTs that share members: a spec's profile and a JWT's role.
type sharedKey struct{ profile, role string }

// jsonKey is v's JSON encoding (sorted keys, numbers as written), the identity of a value; ok is false
// for what does not encode.
func jsonKey(v any) (string, bool) {
	b, err := json.Marshal(v)
	return string(b), err == nil
}

// shareJWTs finds, per profile and role, the header members and claims worth sharing across specs' JWTs: a member's
// most common value (ties: the smallest encoding) when at least minShared JWTs have it and leaving it
// out of them saves more than naming it in the JWTs that lack the member costs.
func shareJWTs(specs []Spec) map[sharedKey]*roleShared {
	type tally struct {
		jwts   int                       // JWTs of the role with this side (not null)
		counts map[string]map[string]int // member -> encoding -> JWTs
		values map[string]map[string]any // member -> encoding -> a value
	}
	newTally := func() *tally {
		return &tally{counts: map[string]map[string]int{}, values: map[string]map[string]any{}}
	}
	add := func(t *tally, m map[string]any) {
		if m == nil {
			return
		}
		t.jwts++
		for k, v := range m {
			enc, ok := jsonKey(v)
			if !ok {
				continue
			}
			if t.counts[k] == nil {
				t.counts[k], t.values[k] = map[string]int{}, map[string]any{}
			}
			t.counts[k][enc]++
			t.values[k][enc] = v
		}
	}
	pick := func(t *tally) sharedSet {
		s := sharedSet{values: map[string]any{}, enc: map[string]string{}}
		for k, counts := range t.counts {
			best, n, having := "", 0, 0
			for enc, c := range counts {
				having += c
				if c > n || c == n && enc < best {
					best, n = enc, c
				}
			}
			name, _ := jsonKey(k)
			saved := (n - 1) * (len(name) + len(best) + 2)               // `"name":value,` once instead of n times
			if n >= minShared && saved > (t.jwts-having)*(len(name)+1) { // `"name",` in each JWT lacking it
				s.values[k], s.enc[k] = t.values[k][best], best
			}
		}
		return s
	}
	tallies := map[sharedKey][2]*tally{}
	for _, s := range specs {
		for _, ex := range s.Exchanges {
			for _, j := range ex.JWTs {
				key := sharedKey{s.Profile, j.Role}
				t, ok := tallies[key]
				if !ok {
					t = [2]*tally{newTally(), newTally()}
					tallies[key] = t
				}
				add(t[0], j.Header)
				add(t[1], j.Claims)
			}
		}
	}
	out := map[sharedKey]*roleShared{}
	for key, t := range tallies {
		rs := &roleShared{header: pick(t[0]), claims: pick(t[1])}
		if len(rs.header.values)+len(rs.claims.values) > 0 {
			out[key] = rs
		}
	}
	return out
}

// sharedJSON is the run's jwts_shared member: profile -> role -> shared members.
func sharedJSON(shared map[sharedKey]*roleShared) map[string]map[string]jwtShared {
	if len(shared) == 0 {
		return nil
	}
	out := map[string]map[string]jwtShared{}
	for key, rs := range shared {
		if out[key.profile] == nil {
			out[key.profile] = map[string]jwtShared{}
		}
		out[key.profile][key.role] = jwtShared{Header: rs.header.values, Claims: rs.claims.values}
	}
	return out
}

// own is m without the members equal to the shared ones, and the shared members m lacks (sorted).
// A null side stays null.
func (s sharedSet) own(m map[string]any) (map[string]any, []string) {
	if m == nil || len(s.enc) == 0 {
		return m, nil
	}
	out := map[string]any{}
	for k, v := range m {
		if want, ok := s.enc[k]; ok {
			if enc, ok := jsonKey(v); ok && enc == want {
				continue
			}
		}
		out[k] = v
	}
	var absent []string
	for k := range s.enc {
		if _, ok := m[k]; !ok {
			absent = append(absent, k)
		}
	}
	slices.Sort(absent)
	return out, absent
}

// wireSpecs is specs with each decoded JWT written against shared.
func wireSpecs(specs []Spec, shared map[sharedKey]*roleShared) []wireSpec {
	out := make([]wireSpec, len(specs))
	for i, s := range specs {
		out[i].Spec = s
		if s.Exchanges != nil { // null stays null
			out[i].Exchanges = make([]wireExchange, len(s.Exchanges))
		}
		for k, ex := range s.Exchanges {
			we := wireExchange{Exchange: ex}
			for _, j := range ex.JWTs {
				w := wireJWT{Role: j.Role, Header: j.Header, Claims: j.Claims}
				if rs := shared[sharedKey{s.Profile, j.Role}]; rs != nil {
					var a jwtAbsent
					w.Header, a.Header = rs.header.own(j.Header)
					w.Claims, a.Claims = rs.claims.own(j.Claims)
					if a.Header != nil || a.Claims != nil {
						w.SharedAbsent = &a
					}
				}
				we.JWTs = append(we.JWTs, w)
			}
			out[i].Exchanges[k] = we
		}
	}
	return out
}

// expandSpecs rebuilds the specs' decoded JWTs from the wire form: shared ∪ own − absent.
func expandSpecs(ws []wireSpec, shared map[string]map[string]jwtShared) []Spec {
	out := make([]Spec, len(ws))
	for i, w := range ws {
		s := w.Spec
		s.Exchanges = nil
		if w.Exchanges != nil {
			s.Exchanges = make([]transcript.Exchange, len(w.Exchanges))
		}
		for k, we := range w.Exchanges {
			ex := we.Exchange // its JWTs are we's
			for _, j := range we.JWTs {
				sh := shared[s.Profile][j.Role]
				var a jwtAbsent
				if j.SharedAbsent != nil {
					a = *j.SharedAbsent
				}
				ex.JWTs = append(ex.JWTs, transcript.DecodedJWT{Role: j.Role,
					Header: expandMembers(j.Header, sh.Header, a.Header), Claims: expandMembers(j.Claims, sh.Claims, a.Claims)})
			}
			s.Exchanges[k] = ex
		}
		out[i] = s
	}
	return out
}

func expandMembers(own, shared map[string]any, absent []string) map[string]any {
	if own == nil || len(shared) == 0 {
		return own
	}
	out := make(map[string]any, len(own)+len(shared))
	for k, v := range shared {
		if !slices.Contains(absent, k) {
			out[k] = copyJSON(v) // no two JWTs share a map or slice
		}
	}
	maps.Copy(out, own)
	return out
}

// copyJSON is a deep copy of a decoded JSON value.
func copyJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = copyJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyJSON(e)
		}
		return out
	}
	return v
}
