package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/dcrconform/dcrconform/suites"
	"github.com/dcrconform/dcrconform/suites/framework"
)

func runList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "text or markdown")
	if err := fs.Parse(args); err != nil {
		return exitUsage
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
