package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dcrconform/dcrconform/harness/transcript"
	"github.com/dcrconform/dcrconform/reports"
	"github.com/dcrconform/dcrconform/suites/framework"
)

// Concurrency cannot change a verdict. A spec that, in a run --procs above 1, failed (or was skipped)
// after the target answered it 5xx is run again alone once every process has ended, one spec at a time.
// If it then passes, its verdict is the alone run's, and the failure is a finding of its own, "fails only
// under concurrent load", carrying the exchanges answered 5xx and the same steps alone. A registration
// answered 5xx may have left a client on the target: a warning, naming the client_id the answer gave.

// underLoadSteps are the indexes of the exchanges the target answered 5xx.
func underLoadSteps(exs []transcript.Exchange) []int {
	var steps []int
	for i, ex := range exs {
		if ex.Status >= 500 && ex.Status <= 599 {
			steps = append(steps, i)
		}
	}
	return steps
}

// sameRequests are the exchanges of a spec answered 5xx under load (the steps of underLoad), and for each
// the alone run's exchange of the same request: the next with the same method and URL, else the one at
// the same step with the same method (management URLs name the run's own client).
func sameRequests(underLoad []transcript.Exchange, steps []int, alone []transcript.Exchange) (loaded, same []transcript.Exchange) {
	used := map[int]bool{}
	for _, s := range steps {
		ex := underLoad[s]
		loaded = append(loaded, ex)
		match := slices.IndexFunc(alone, func(a transcript.Exchange) bool { return a.Method == ex.Method && a.URL == ex.URL })
		for match >= 0 && used[match] {
			next := slices.IndexFunc(alone[match+1:], func(a transcript.Exchange) bool { return a.Method == ex.Method && a.URL == ex.URL })
			if next < 0 {
				match = -1
				break
			}
			match += 1 + next
		}
		if match < 0 && s < len(alone) && !used[s] && alone[s].Method == ex.Method {
			match = s
		}
		if match >= 0 {
			used[match] = true
			same = append(same, alone[match])
		}
	}
	return loaded, same
}

// exchangesOf is the transcript attached to a spec's report decoded from JSON.
func exchangesOf(sr types.SpecReport) []transcript.Exchange {
	for i := len(sr.ReportEntries) - 1; i >= 0; i-- {
		e := sr.ReportEntries[i]
		if e.Name != framework.EntryTranscript {
			continue
		}
		var exs []transcript.Exchange
		if json.Unmarshal([]byte(e.Value.AsJSON), &exs) == nil {
			return exs
		}
	}
	return nil
}

// rerunAlone runs each spec of r that failed or was skipped after a 5xx answer again alone, and returns r
// with the verdict of each that then passed replaced by its alone run's, its finding and any leaked
// registration attached. procs is how many processes ran at once; tokenURL tells a registration (any
// other POST) from a token request.
func rerunAlone(ctx context.Context, r types.Report, a shardArgs, procs int, tokenURL string, stdout io.Writer) (types.Report, error) {
	tmp, err := os.MkdirTemp("", "dcrconform-alone-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(tmp)
	self, err := os.Executable()
	if err != nil {
		return r, err
	}
	var again []int // the specs to run again alone
	for i, sr := range r.SpecReports {
		ended := sr.State.Is(types.SpecStateFailureStates) || sr.State == types.SpecStateSkipped && sr.Failure.Message != ""
		if _, _, ok := reports.SplitSpecText(sr.LeafNodeText); ok && sr.LeafNodeType == types.NodeTypeIt && ended && len(underLoadSteps(exchangesOf(sr))) > 0 {
			again = append(again, i)
		}
	}
	if len(again) > 0 {
		fmt.Fprintf(stdout, "dcrconform: %d spec(s) failed or were skipped after a 5xx answer with %d processes at once: running each again alone\n", len(again), procs)
	}
	leaked := map[string]bool{} // client_ids already warned of
	for _, i := range again {
		sr := r.SpecReports[i]
		underLoad := exchangesOf(sr)
		steps := underLoadSteps(underLoad)
		id, _, _ := reports.SplitSpecText(sr.LeafNodeText)
		alone, err := runAlone(ctx, self, a, id, filepath.Join(tmp, id+".json"))
		if err != nil {
			return r, fmt.Errorf("%s run again alone: %w", id, err)
		}
		first := underLoad[steps[0]]
		if alone.State != types.SpecStatePassed {
			fmt.Fprintf(stdout, "dcrconform: %s: %s %s answered %d with %d processes at once; run again alone, it %s too: its verdict stands\n",
				id, first.Method, first.URL, first.Status, procs, alone.State)
			continue
		}
		f := reports.Finding{Kind: reports.FindingUnderLoad}
		f.UnderLoad, f.Alone = sameRequests(underLoad, steps, exchangesOf(alone))
		f.Message = fmt.Sprintf("%s %s answered %d with %d processes at once, and the spec %s; run alone, it passed", first.Method, first.URL, first.Status, procs, sr.State)
		if len(f.Alone) > 0 {
			f.Message += fmt.Sprintf(" (%s %s answered %d)", f.Alone[0].Method, f.Alone[0].URL, f.Alone[0].Status)
		}
		fmt.Fprintf(stdout, "dcrconform: finding: %s: %s: %s\n", id, f.Kind, f.Message)
		alone.ReportEntries = append(alone.ReportEntries, entry(reports.EntryFinding, f))
		for _, s := range steps {
			ex := underLoad[s]
			if ex.Method != "POST" || ex.URL == tokenURL {
				continue
			}
			clientID := answeredClientID(ex)
			if clientID != "" && leaked[clientID] {
				continue
			}
			leaked[clientID] = clientID != ""
			alone.ReportEntries = append(alone.ReportEntries, entry(framework.EntryLeak, framework.Leak{ClientID: clientID,
				Reason: fmt.Sprintf("the registration was answered %d under concurrent load; the target may have stored the client", ex.Status)}))
		}
		r.SpecReports[i] = alone
	}
	r.SuiteSucceeded = len(r.SpecialSuiteFailureReasons) == 0 &&
		!slices.ContainsFunc(r.SpecReports, func(sr types.SpecReport) bool { return sr.State.Is(types.SpecStateFailureStates) })
	return r, nil
}

// runAlone runs the spec id in a child process of its own and returns its report.
func runAlone(ctx context.Context, self string, a shardArgs, id, report string) (types.SpecReport, error) {
	out := &capped{max: maxChildOutput}
	cmd := exec.CommandContext(ctx, self, childArgs(a, []string{id}, report)...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	var exit *exec.ExitError
	// A spec that fails alone exits exitFailed; one skipped alone exits exitUsage ("no spec ran"), its
	// report written all the same. Any other end, or no report, is the child's failure.
	ran := err == nil || errors.As(err, &exit) && (exit.ExitCode() == exitFailed || exit.ExitCode() == exitUsage)
	if !ran {
		return types.SpecReport{}, fmt.Errorf("%w\n%s", err, lastOutput(out.buf.Bytes(), 20))
	}
	rep, rerr := readGinkgoReport(report)
	if rerr != nil && err != nil {
		return types.SpecReport{}, fmt.Errorf("%w (%w)\n%s", err, rerr, lastOutput(out.buf.Bytes(), 20))
	}
	if rerr != nil {
		return types.SpecReport{}, rerr
	}
	for _, sr := range rep.SpecReports {
		if got, _, ok := reports.SplitSpecText(sr.LeafNodeText); ok && got == id && sr.LeafNodeType == types.NodeTypeIt && !reports.NotSelected(sr, rep) {
			return sr, nil
		}
	}
	return types.SpecReport{}, fmt.Errorf("the report of its run has no spec %s", id)
}

// answeredClientID is the client_id a JSON answer carries, if any.
func answeredClientID(ex transcript.Exchange) string {
	var body struct {
		ClientID string `json:"client_id"`
	}
	_ = json.Unmarshal([]byte(ex.ResponseBody), &body)
	return body.ClientID
}

// entry is a report entry of value v, as the spec's own entries are (never shown on the console).
func entry(name string, v any) types.ReportEntry {
	return types.ReportEntry{Name: name, Value: types.WrapEntryValue(v), Time: time.Now(), Visibility: types.ReportEntryVisibilityNever}
}

// lastOutput is the last n lines of a child's output.
func lastOutput(b []byte, n int) string {
	lines := strings.Split(string(bytes.TrimRight(b, "\n")), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
