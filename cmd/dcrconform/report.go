package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dcrconform/dcrconform/reports"
)

// runReport regenerates reports from a JSON report: dcrconform report --in run.json --html out.html --junit out.xml.
func runReport(args []string, stdout, stderr io.Writer) int {
	fs := newCLI("report", "report --in run.json [--html F] [--junit F] [--json F]",
		`Regenerates reports from a JSON report written by "dcrconform run --json".`, stdout, stderr)
	in := fs.String("in", "", `JSON report written by "dcrconform run --json" (required; - for standard input)`)
	jsonOut := fs.String("json", "", "write the JSON report (again, secrets masked) to this path")
	htmlOut := fs.String("html", "", "write the HTML report to this path")
	junitOut := fs.String("junit", "", "write the JUnit XML report to this path")
	junitTranscripts := fs.String("junit-transcripts", reports.TranscriptsFailed, "which specs' transcripts the JUnit report carries: failed, all or none")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if code, ok := fs.noArgs(); !ok {
		return code
	}
	switch {
	case *in == "":
		fmt.Fprintln(stderr, "report: --in is required: the JSON report to read")
		return exitUsage
	case *jsonOut == "" && *htmlOut == "" && *junitOut == "":
		fmt.Fprintln(stderr, "report: nothing to write: give --html, --junit or --json")
		return exitUsage
	}

	var src io.Reader = os.Stdin
	if *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			fmt.Fprintf(stderr, "report: --in: %v\n", err)
			return exitFailed
		}
		defer f.Close()
		src = f
	}
	run, err := reports.ReadJSON(src)
	if err != nil {
		fmt.Fprintf(stderr, "report: --in %s: %v\n", *in, err)
		return exitFailed
	}
	if err := reports.CheckTranscripts(*junitTranscripts); err != nil {
		return fs.usageError("--junit-transcripts: %v", err)
	}
	if err := reports.WriteAllWith(run, *jsonOut, *junitOut, *htmlOut, reports.JUnitOptions{Transcripts: *junitTranscripts}); err != nil {
		fmt.Fprintf(stderr, "report: %v\n", err)
		return exitFailed
	}
	var wrote []string
	for _, p := range []string{*jsonOut, *junitOut, *htmlOut} {
		if p != "" {
			wrote = append(wrote, p)
		}
	}
	s := run.Summary
	fmt.Fprintf(stdout, "report: %s: %d specs, %d failed, %d passed, %d skipped; wrote %s\n",
		run.Target.Name, s.Total, s.Failed, s.Passed, s.Skipped, strings.Join(wrote, ", "))
	return exitOK
}
