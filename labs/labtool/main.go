// Command labtool lists, checks, exports and verifies netlab's course labs:
//
//	labtool list                      the labs, in teaching order
//	labtool check NAME                run one lab's tests and summarise them
//	labtool export -out DIR [LAB...]  write a student copy (starters, tests, READMEs)
//	labtool verify                    CI: solutions pass, starters fail for their reason
//
// Run it from the netlab checkout or from a student copy. Its logic is
// package labkit, so other commands can offer the same verbs.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/netlab-go/netlab/labs/labkit"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	code, err := labkit.Command(ctx, os.Stdout, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "labtool:", err)
	}
	os.Exit(code)
}
