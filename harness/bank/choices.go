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
