package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/dcrconform/dcrconform/reports"
)

// cli is a command's flag set with its usage text. -h and --help print the usage to stdout and exit 0;
// an unknown flag or argument prints the error and the usage to stderr and exits 2.
type cli struct {
	*flag.FlagSet
	synopsis, about string
	stdout, stderr  io.Writer
}

// newCLI makes the flag set of "dcrconform <name>"; synopsis is the usage line after "dcrconform", about
// what the command does.
func newCLI(name, synopsis, about string, stdout, stderr io.Writer) *cli {
	c := &cli{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), synopsis: synopsis, about: about, stdout: stdout, stderr: stderr}
	c.SetOutput(io.Discard) // parse reports errors itself, with the usage where it belongs
	c.Usage = func() {}
	return c
}

// printUsage writes the usage and the flags' defaults to w.
func (c *cli) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: dcrconform %s\n\n%s\n", c.synopsis, strings.TrimSpace(c.about))
	n := 0
	c.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		c.SetOutput(w)
		c.PrintDefaults()
		c.SetOutput(io.Discard)
	}
}

// parse parses args; when ok is false the command must return code at once (help shown, or a usage error).
func (c *cli) parse(args []string) (code int, ok bool) {
	err := c.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		c.printUsage(c.stdout)
		return exitOK, false
	case err != nil:
		return c.usageError("%v", err), false
	}
	return exitOK, true
}

// noArgs refuses positional arguments (every option is a flag).
func (c *cli) noArgs() (code int, ok bool) {
	if c.NArg() > 0 {
		return c.usageError("unexpected argument %q", c.Arg(0)), false
	}
	return exitOK, true
}

// usageError prints "dcrconform <name>: message", then the usage, to stderr and returns exitUsage.
func (c *cli) usageError(format string, a ...any) int {
	fmt.Fprintf(c.stderr, "dcrconform %s: %s\n\n", c.Name(), fmt.Sprintf(format, a...))
	c.printUsage(c.stderr)
	return exitUsage
}

// badValue prints "dcrconform <name>: message" (a flag's value is wrong, its syntax was fine: no usage)
// to stderr and returns exitUsage.
func (c *cli) badValue(format string, a ...any) int {
	fmt.Fprintf(c.stderr, "dcrconform %s: %s\n", c.Name(), fmt.Sprintf(format, a...))
	return exitUsage
}

// buildVersion describes this binary from its build info: the module version (a tag when built by
// go install module@version, "(devel)" from a checkout) and the VCS revision the build was made from.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dcrconform " + version + " (no build info)"
	}
	return formatVersion(bi)
}

func formatVersion(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	if version != "dev" { // set with -ldflags -X main.version=...
		v = version
	}
	rev, at, modified := "unknown", "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	out := fmt.Sprintf("dcrconform %s\nmodule:   %s\nrevision: %s", v, bi.Main.Path, rev)
	if at != "" {
		out += " (" + at + ")"
	}
	if modified {
		out += " with local changes"
	}
	return out + "\ngo:       " + bi.GoVersion
}

// toolVersion is the one-word version written into reports: the module version, or the revision of a
// development build.
func toolVersion() string {
	if version != "dev" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "devel-" + s.Value[:12]
		}
	}
	return version
}

// transcriptFlags are --junit-transcripts and --html-transcripts, of run and report.
type transcriptFlags struct{ junit, html *string }

func (c *cli) transcriptFlags() transcriptFlags {
	return transcriptFlags{
		junit: c.String("junit-transcripts", reports.TranscriptsFailed, "which specs' transcripts the JUnit report carries: failed, all or none"),
		html:  c.String("html-transcripts", reports.TranscriptsFailed, "which specs' exchanges the HTML report shows in full (the others as one line each): failed or all"),
	}
}

// options checks the flags' values; an error names the flag.
func (t transcriptFlags) options() (reports.Options, error) {
	if err := reports.CheckTranscripts(*t.junit); err != nil {
		return reports.Options{}, fmt.Errorf("--junit-transcripts: %w", err)
	}
	if *t.html != reports.TranscriptsFailed && *t.html != reports.TranscriptsAll {
		return reports.Options{}, fmt.Errorf("--html-transcripts %q: want failed or all", *t.html)
	}
	return reports.Options{JUnit: reports.JUnitOptions{Transcripts: *t.junit}, HTML: reports.HTMLOptions{Transcripts: *t.html}}, nil
}
