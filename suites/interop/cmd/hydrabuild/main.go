// Command hydrabuild builds the Ory Hydra binary of the interop test into the cache (once per machine)
// and prints its path. CI runs it before the tests, so that no test waits minutes for a build.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/dcrconform/dcrconform/suites/interop/hydrabuild"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	bin, err := hydrabuild.Binary(ctx, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(bin)
}
