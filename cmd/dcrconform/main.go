// Command dcrconform runs DCR conformance suites, serves the mock directory and serves the reference bank.
package main

import (
	"fmt"
	"io"
	"log"
	"os"

	"github.com/dcrconform/dcrconform/harness/transcript"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

var version = "dev"

const usage = `dcrconform: conformance harness for Open Banking Dynamic Client Registration

Usage:
  dcrconform run [--config FILE] [--labels FILTER] [--focus ID]                  run the suites (default: the embedded reference bank)
                 [--junit PATH] [--json PATH] [--html PATH]
                 [--image IMG [--image-env K=V] [--image-port N] ...]            ... against a bank started from a Docker image
  dcrconform list [--format text|markdown]                                       print the scenario catalogue
  dcrconform directory [--addr ADDR] [--state DIR] ...                           serve the mock directory
  dcrconform bank [--addr ADDR] [--defect NAME] ...                              serve the reference bank (with its own mock directory)
  dcrconform report --in run.json [--in ...] [--html F] [--junit F] [--json F]   regenerate reports from JSON records; several --in are merged
  dcrconform report verify --in run.json --key PUB.pem                           check a signed record (run/report --sign-key KEY.pem)
  dcrconform selftest [--parallel N] [--defects a,b]                             run the suites once per reference bank defect; print the catch matrix
  dcrconform bench [--profiles uk,all] [--repeat N] [-- RUN FLAGS]               time the embedded default per profile beside its crypto floor
  dcrconform init --profile P [--mock-directory] [--out DIR]                     write a starter config (and a mock directory's trust material)
  dcrconform version                                                             print the module version and VCS revision

Run "dcrconform COMMAND -h" (or "dcrconform help COMMAND") for a command's flags.
`

func main() {
	// Go's own complaints (an HTTP server's, the HTTP client's "Unsolicited response") may quote a bank's
	// bytes: masked and escaped like everything else printed.
	log.SetOutput(transcript.ConsoleWriter(os.Stderr, false))
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return runCommand(args[1:], stdout, stderr)
	case "list":
		return runList(args[1:], stdout, stderr)
	case "directory":
		return runDirectory(args[1:], stdout, stderr)
	case "bank":
		return runBank(args[1:], stdout, stderr)
	case "report":
		return runReport(args[1:], stdout, stderr)
	case "selftest":
		return runSelfTest(args[1:], stdout, stderr)
	case "bench":
		return runBench(args[1:], stdout, stderr)
	case "init":
		return runInit(args[1:], stdout, stderr)
	case "version", "--version":
		return runVersion(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		if len(args) > 1 && args[0] == "help" {
			return dispatch(append(append([]string{}, args[1:]...), "-h"), stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "dcrconform: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := newCLI("version", "version", "Prints the module version and the VCS revision this binary was built from.", stdout, stderr)
	if code, ok := fs.parse(args); !ok {
		return code
	}
	if code, ok := fs.noArgs(); !ok {
		return code
	}
	fmt.Fprintln(stdout, buildVersion())
	return exitOK
}
