// Package uk holds the UK OBIE DCR 3.3 conformance specs. Each spec is declared once with
// framework.ConformanceIt; negative specs change exactly one thing from the valid baseline.
package uk

import "github.com/dcrconform/dcrconform/suites/framework"

const profile = "uk"

func positive(id, op, req, title, expect string) framework.Scenario {
	return framework.Scenario{ID: id, Title: title, Requirement: req, Profile: profile, Operation: op, Kind: framework.Positive, Expect: expect}
}

func negative(id, op, req, title, expect string) framework.Scenario {
	return framework.Scenario{ID: id, Title: title, Requirement: req, Profile: profile, Operation: op, Kind: framework.Negative, Expect: expect}
}
