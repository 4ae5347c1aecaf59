package bank

import (
	"fmt"
	"slices"
	"strings"
)

// Choices are the bank's answers where the specifications leave a server a choice. Every combination
// is a correct bank: the suites must pass against each (no false failure) and still catch every
// defect. The zero value is the reference bank's default.
type Choices struct {
	// RotateOnRead: RFC 7592 section 2.1 lets a server issue a new registration access token on any
	// read; the bank then does so on GET as well as on PUT, and the old token stops working.
	RotateOnRead bool

	// AssertionAudience: the aud a private_key_jwt client assertion must name (RFC 7523 section 3
	// leaves it to the server): "" the token endpoint or the issuer, "token-endpoint", or "issuer".
	AssertionAudience string

	// RequireKID: request JWTs and client assertions must carry a kid; without, a JWS lacking one is
	// tried against every key of the software's key set (RFC 7515 makes kid optional).
	RequireKID bool

	// GlobalJTI: a jti is remembered across every software and client, not per issuer, so a replay
	// is refused whoever sends it again.
	GlobalJTI bool

	// UnapprovedError is the error code of an SSA whose software or organisation is not active: ""
	// for unapproved_software_statement, or invalid_software_statement (RFC 7591 section 3.2.2 allows both).
	UnapprovedError string

	// BodyError is the error code of a registration body that cannot be read (empty, not JSON or JWS,
	// wrong media type, too large): "" for invalid_client_metadata, or invalid_request.
	BodyError string
}

// choice is one setting of Choices for the command line (NAME=VALUE), its legal values default first.
type choice struct {
	name, description string
	values            []string
	set               func(c *Choices, v string)
}

var choiceCatalogue = []choice{
	{"registration-token", "RFC 7592: when the registration access token rotates", []string{"on-update", "on-read-and-update"},
		func(c *Choices, v string) { c.RotateOnRead = v == "on-read-and-update" }},
	{"assertion-aud", "the aud a client assertion must name", []string{"token-endpoint-or-issuer", "token-endpoint", "issuer"},
		func(c *Choices, v string) {
			if v != "token-endpoint-or-issuer" {
				c.AssertionAudience = v
			}
		}},
	{"kid", "whether request JWTs and client assertions must carry a kid", []string{"optional", "required"},
		func(c *Choices, v string) { c.RequireKID = v == "required" }},
	{"jti-replay", "the scope in which a request or assertion jti may not be used again", []string{"per-issuer", "global"},
		func(c *Choices, v string) { c.GlobalJTI = v == "global" }},
	{"unapproved-error", "the error code for an SSA of inactive software or organisation", []string{errUnapprovedSSA, errInvalidSSA},
		func(c *Choices, v string) { c.UnapprovedError = v }},
	{"body-error", "the error code for a registration body that cannot be read", []string{errInvalidClientMetadata, errInvalidRequest},
		func(c *Choices, v string) { c.BodyError = v }},
}

// ChoiceCombinations lists every combination of the named choices' values (every choice when none
// is named) as NAME=VALUE settings.
func ChoiceCombinations(names ...string) [][]string {
	combos := [][]string{nil}
	for _, c := range choiceCatalogue {
		if len(names) > 0 && !slices.Contains(names, c.name) {
			continue
		}
		var next [][]string
		for _, combo := range combos {
			for _, v := range c.values {
				next = append(next, append(slices.Clone(combo), c.name+"="+v))
			}
		}
		combos = next
	}
	return combos
}

// ChoiceNames lists every choice as "name=value1|value2: description", the default value first.
func ChoiceNames() []string {
	var out []string
	for _, c := range choiceCatalogue {
		out = append(out, c.name+"="+strings.Join(c.values, "|")+": "+c.description)
	}
	return out
}

// ChoiceValues lists the legal values of each choice by name, the default first.
func ChoiceValues() map[string][]string {
	out := map[string][]string{}
	for _, c := range choiceCatalogue {
		out[c.name] = slices.Clone(c.values)
	}
	return out
}

// ParseChoices reads NAME=VALUE settings into Choices.
func ParseChoices(settings []string) (Choices, error) {
	var ch Choices
	for _, s := range settings {
		name, value, _ := strings.Cut(s, "=")
		i := slices.IndexFunc(choiceCatalogue, func(c choice) bool { return c.name == name })
		if i < 0 {
			return ch, fmt.Errorf("unknown choice %q (one of %s)", name, strings.Join(ChoiceNames(), "; "))
		}
		if !slices.Contains(choiceCatalogue[i].values, value) {
			return ch, fmt.Errorf("choice %s: %q is not one of %s", name, value, strings.Join(choiceCatalogue[i].values, ", "))
		}
		choiceCatalogue[i].set(&ch, value)
	}
	return ch, nil
}
