package main

import (
	"fmt"
	"io"

	"github.com/dcrconform/dcrconform/suites"
	"github.com/dcrconform/dcrconform/suites/framework"
)

func runList(args []string, stdout, stderr io.Writer) int {
	fs := newCLI("list", "list [--format text|markdown] [--coverage]", "Prints the scenario catalogue: ID, kind, requirement, expectation and title of every spec; with --coverage, the requirement coverage per source.", stdout, stderr)
	format := fs.String("format", "text", "text or markdown")
	coverage := fs.Bool("coverage", false, "per source of the requirements register, the bank-side requirements with the specs that check them, and the unchecked ones with their reason or as a gap")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if code, ok := fs.noArgs(); !ok {
		return code
	}
	if *format != "text" && *format != "markdown" {
		fmt.Fprintf(stderr, "list: --format %q is not text or markdown\n", *format)
		return exitUsage
	}
	if *coverage {
		if bad := suites.UnknownRequirements(); len(bad) > 0 {
			fmt.Fprintf(stderr, "list: specs name requirements that are not in the register: %v\n", bad)
			return exitUsage
		}
		cov := suites.Coverage()
		if *format == "markdown" {
			fmt.Fprint(stdout, suites.CoverageMarkdown(cov))
		} else {
			fmt.Fprint(stdout, suites.CoverageText(cov))
		}
		return exitOK
	}
	switch *format {
	case "text":
		for _, s := range framework.Catalogue() {
			fmt.Fprintf(stdout, "%-14s %-9s %-22s %-40s %s\n", s.ID, s.Kind, s.Requirement, s.Expect, s.Title)
		}
	case "markdown":
		fmt.Fprint(stdout, suites.CatalogueMarkdown())
	}
	return exitOK
}
