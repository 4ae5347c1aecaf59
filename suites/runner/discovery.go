package runner

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/reports"
)

// discoveryFailure reports a target whose discovery document could not be fetched (no answer, a TLS
// failure, not JSON, an endpoint missing) as a failed run: one failed case naming the fault in every
// report, exit 1. It returns false for any other error.
func discoveryFailure(err error, tgt *target.Target, started time.Time, jsonOut, junit, htmlOut string, stdout, stderr io.Writer) (int, bool) {
	var de *target.DiscoveryError
	if !errors.As(err, &de) {
		return 0, false
	}
	expected := "status 200 with a JSON object giving the registration and token endpoints and the issuer"
	spec := reports.Spec{
		ID:          "TARGET-DISCOVERY",
		Title:       "the target's discovery document is fetched",
		Requirement: "OIDD-3, OIDD-4.3, RFC8414-3.3",
		Profile:     tgt.Profile,
		Operation:   "discovery",
		Kind:        "positive",
		Labels:      []string{tgt.Profile, "discovery", "positive"},
		Expect:      expected,
		Outcome:     reports.OutcomeFailed,
		Reason:      fmt.Sprintf("TARGET-DISCOVERY the target's discovery document is fetched\nexpected: %s\nactual:   %v\nno spec ran: every spec needs the target's endpoints", expected, de),
		Expected:    expected,
		Actual:      de.Error(),
		StartedAt:   started,
		DurationMS:  float64(time.Since(started).Microseconds()) / 1000,
		Exchanges:   de.Exchanges,
	}
	run := &reports.Run{
		SchemaVersion: reports.SchemaVersion,
		ToolVersion:   toolVersion(),
		Target:        reports.Target{Name: tgt.Name, Profile: tgt.Profile, DiscoveryURL: tgt.DiscoveryURL},
		StartedAt:     started,
		DurationMS:    spec.DurationMS,
		Specs:         []reports.Spec{spec},
	}
	run.Summarize()
	fmt.Fprintf(stdout, "dcrconform: FAILED: the target's discovery document %s could not be used: %v\n", tgt.DiscoveryURL, de)
	if werr := reports.WriteAll(run, jsonOut, junit, htmlOut); werr != nil {
		fmt.Fprintf(stderr, "run: writing reports: %v\n", werr)
		return exitFailed, true
	}
	printReportPaths(stdout, junit, jsonOut, htmlOut)
	return exitFailed, true
}

// printReportPaths names each report written.
func printReportPaths(stdout io.Writer, junit, jsonOut, htmlOut string) {
	for _, out := range []struct{ kind, path string }{{"JUnit", junit}, {"JSON", jsonOut}, {"HTML", htmlOut}} {
		if out.path != "" {
			fmt.Fprintf(stdout, "dcrconform: %s report: %s\n", out.kind, out.path)
		}
	}
}
