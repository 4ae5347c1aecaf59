// What a run prints on the console: its warnings, the tally and the failed specs; and its results file.

package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/reports"
	"github.com/dcrconform/dcrconform/suites"
)

// writeResults writes a run's Results (see --results).
func writeResults(path string, res suites.Results) error {
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// printWarnings lists the registrations the run left on the target. Against the embedded bank,
// whose state is known, it also names any registration left that no warning reported: a cleanup bug.
func printWarnings(w io.Writer, warnings []reports.Warning, liveClients func() []string) {
	fmt.Fprintln(w) // after the progress line
	for _, wn := range warnings {
		fmt.Fprintf(w, "dcrconform: warning: %s\n", wn.Text())
	}
	if liveClients == nil {
		return
	}
	var unreported []string
	for _, id := range liveClients() {
		if !slices.ContainsFunc(warnings, func(wn reports.Warning) bool { return wn.ClientID == id }) {
			unreported = append(unreported, id)
		}
	}
	if len(unreported) > 0 {
		slices.Sort(unreported)
		fmt.Fprintf(w, "dcrconform: warning: the reference bank still holds %d registration(s) of the run that no warning reported: %s\n",
			len(unreported), strings.Join(unreported, ", "))
	}
}

// tallyLine counts the run's selected specs by outcome, and those it did not select apart, and names
// what ran: the profiles and the reference bank's defects and choices (setup, see reports.Target.Setup).
func tallyLine(r ginkgo.Report, setup reports.Target) string {
	var passed, warned, failed, skipped, notSelected int
	for _, s := range r.SpecReports {
		switch {
		case s.LeafNodeType != types.NodeTypeIt:
		case reports.NotSelected(s, r):
			notSelected++
		case reports.Warned(s):
			warned++
		case s.State == types.SpecStatePassed:
			passed++
		case s.State == types.SpecStateSkipped || s.State == types.SpecStatePending:
			skipped++
		default:
			failed++
		}
	}
	warnings := ""
	if warned > 0 {
		warnings = fmt.Sprintf(" %d passed with a warning (a SHOULD or MAY clause not met),", warned)
	}
	setup.Profile = strings.Join(reports.ProfilesSelected(r), ",")
	about := ""
	if s := setup.Setup(); s != "" {
		about = "; " + s
	}
	return fmt.Sprintf("dcrconform: %d specs selected: %d passed,%s %d failed, %d skipped (%d not selected by this run)%s; seed %d (--seed %d replays the order)",
		passed+warned+failed+skipped, passed, warnings, failed, skipped, notSelected, about, r.SuiteConfig.RandomSeed, r.SuiteConfig.RandomSeed)
}

// failedSpecLines list the run's failed specs and suite nodes, one line each, as Ginkgo's summary (which
// the console leaves out, see suites.Run) did: "dcrconform: failed: [ID] title".
func failedSpecLines(r ginkgo.Report) []string {
	var out []string
	for _, s := range r.SpecReports {
		if !s.State.Is(types.SpecStateFailureStates) {
			continue
		}
		what := s.LeafNodeText
		if s.LeafNodeType != types.NodeTypeIt {
			what = strings.TrimSpace("[" + s.LeafNodeType.String() + "] " + s.LeafNodeText)
		}
		out = append(out, fmt.Sprintf("dcrconform: %s: %s", s.State, what))
	}
	return out
}

// countRun counts the specs that ran (passed or failed) and those skipped by a reason of their own;
// specs filtered out by labels or focus count as neither.
func countRun(r ginkgo.Report) (ran, skipped int) {
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		switch {
		case s.State == types.SpecStateSkipped && s.Failure.Message != "":
			skipped++
		case s.State == types.SpecStateSkipped || s.State == types.SpecStatePending:
		default:
			ran++
		}
	}
	return ran, skipped
}
