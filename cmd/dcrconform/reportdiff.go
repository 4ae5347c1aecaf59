package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/dcrconform/dcrconform/reports"
)

// runReportDiff compares two JSON records: what newly fails, what fails on another answer, what was
// fixed; exit 1 on a regression.
func runReportDiff(args []string, stdout, stderr io.Writer) int {
	fs := newCLI("report diff", "report diff --base old.json --in new.json [--junit F] [--html F]",
		`Compares a run with an earlier one (JSON records of "dcrconform run --json"), spec by spec: what newly
fails, what failed before and fails now on a different answer, what was fixed, what newly warns, and what
failed before and no longer runs; each with its requirement and both answers.
Exit status: 0 no regression, 1 a spec newly fails or fails on a different answer, 2 usage.`, stdout, stderr)
	base := fs.String("base", "", "the earlier run's JSON record (required)")
	in := fs.String("in", "", "the new run's JSON record (required; - for standard input)")
	junitOut := fs.String("junit", "", "write the diff as JUnit XML (a regression is a failed testcase)")
	htmlOut := fs.String("html", "", "write the diff as a self-contained HTML page")
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if code, ok := fs.noArgs(); !ok {
		return code
	}
	if *base == "" || *in == "" {
		return fs.usageError("--base and --in are both required: the earlier run's and the new run's JSON records")
	}
	var runs [2]*reports.Run
	for i, path := range []string{*base, *in} {
		data, err := readRecord(path)
		if err == nil {
			runs[i], err = reports.ReadJSON(bytes.NewReader(data))
		}
		if err != nil {
			fmt.Fprintf(stderr, "dcrconform report diff: %s: %v\n", path, err)
			return exitFailed
		}
	}
	d := reports.DiffRuns(runs[0], runs[1])
	if err := reports.WriteDiffText(stdout, d); err != nil {
		fmt.Fprintf(stderr, "dcrconform report diff: %v\n", err)
		return exitFailed
	}
	for path, write := range map[string]func(io.Writer, reports.Diff) error{*junitOut: reports.WriteDiffJUnit, *htmlOut: reports.WriteDiffHTML} {
		if path == "" {
			continue
		}
		if err := writeFileWith(path, func(w io.Writer) error { return write(w, d) }); err != nil {
			fmt.Fprintf(stderr, "dcrconform report diff: %s: %v\n", path, err)
			return exitFailed
		}
	}
	if d.Regressions() > 0 {
		return exitFailed
	}
	return exitOK
}

// writeFileWith writes a file through write, removing it when write fails.
func writeFileWith(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err = write(f); err == nil {
		err = f.Close()
	} else {
		f.Close()
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
