package main

import (
	"fmt"
	"io"

	"github.com/dcrconform/dcrconform/suites"
	"github.com/dcrconform/dcrconform/suites/framework"
)

func runList(args []string, stdout, stderr io.Writer) int {
	fs := newCLI("list", "list [--format text|markdown]", "Prints the scenario catalogue: ID, kind, requirement, expectation and title of every spec.", stdout, stderr)
	format := fs.String("format", "text", "text or markdown")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if code, ok := fs.noArgs(); !ok {
		return code
	}
	switch *format {
	case "text":
		for _, s := range framework.Catalogue() {
			fmt.Fprintf(stdout, "%-14s %-9s %-22s %-40s %s\n", s.ID, s.Kind, s.Requirement, s.Expect, s.Title)
		}
	case "markdown":
		fmt.Fprint(stdout, suites.CatalogueMarkdown())
	default:
		fmt.Fprintf(stderr, "list: --format %q is not text or markdown\n", *format)
		return exitUsage
	}
	return exitOK
}
