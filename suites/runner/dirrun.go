package runner

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dcrconform/dcrconform/harness/config"
	"github.com/dcrconform/dcrconform/harness/target"
	"github.com/dcrconform/dcrconform/mockdirectory"
)

// startDirectoryRun takes the run's lease on the running directory of the config (directory.url).
func startDirectoryRun(d *config.Directory, stdout io.Writer) (*target.DirectoryRun, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	host, _ := os.Hostname()
	run, err := d.StartRun(ctx, "dcrconform run on "+host)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "dcrconform: mock directory %s: run %s (its identities are removed when the run ends)\n", d.URL, run.ID)
	return run, nil
}

// endDirectoryRun removes the run's identities from the running directory; a failure leaves them to
// expire with the lease.
func endDirectoryRun(run *target.DirectoryRun, stderr io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := run.End(ctx); err != nil {
		fmt.Fprintf(stderr, "dcrconform: directory run %s: %v (its identities expire with its lease)\n", run.ID, err)
	}
}

// removeIdentities removes every organisation, with its software, from the directory a config's
// directory block starts: they belong to one run.
func removeIdentities(d *mockdirectory.Directory) error {
	for _, o := range d.Organisations() {
		if err := d.DeleteOrganisation(o.ID); err != nil {
			return err
		}
	}
	return nil
}
