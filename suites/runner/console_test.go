package runner

import "testing"

func TestChildConsoleDropsTheChildsSummary(t *testing.T) {
	in := "dcrconform: embedded default\n• [FAILED] [0.08 seconds]\ndcrconform: failed: [UK-REG-N01] an SSA with a bad signature is refused\n" +
		"dcrconform: 3 specs selected: 2 passed, 1 failed, 0 skipped (188 not selected by this run); profile uk; seed 1 (--seed 1 replays the order)\n"
	want := "dcrconform: embedded default\n• [FAILED] [0.08 seconds]\n"
	if got := string(childConsole([]byte(in))); got != want {
		t.Errorf("childConsole = %q, want %q", got, want)
	}
}
