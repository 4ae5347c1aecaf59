package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"github.com/dcrconform/dcrconform/harness/bank"
	"github.com/dcrconform/dcrconform/harness/embedded"
)

// runBank serves the reference bank with a mock directory beside it, until interrupted.
func runBank(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bank", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var defects stringList
	fs.Var(&defects, "defect", "switch on a named defect (repeatable); --list-defects prints them")
	listDefects := fs.Bool("list-defects", false, "print the defect catalogue and exit")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *listDefects {
		for _, d := range bank.Defects() {
			fmt.Fprintf(stdout, "%-36s %s\n", d.Name, d.Description)
		}
		return exitOK
	}
	env, err := embedded.Start(embedded.Options{Defects: defects, Logger: quietLogger(stderr)})
	if err != nil {
		fmt.Fprintf(stderr, "bank: %v\n", err)
		return exitUsage
	}
	defer env.Close()
	fmt.Fprintf(stdout, "reference bank: %s/.well-known/openid-configuration\nmock directory: %s\n", env.Bank.URL, env.DirURL)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return exitOK
}
