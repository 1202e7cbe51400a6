// Command netlab runs netlab's servers, clients and comparisons.
//
//	netlab serve -model MODEL -service SERVICE -addr HOST:PORT [flags]
//	netlab echo -addr HOST:PORT
//	netlab chat -addr HOST:PORT [-name NAME]
//	netlab files -addr HOST:PORT ls | get NAME... | put FILE... | hash NAME
//	netlab compare [flags]
//
// Run `netlab help COMMAND` for a command's flags. The wire protocols and the
// serve command line are specified in docs/protocols.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/netlab-go/netlab/multiprocess"
)

// A command is one subcommand of netlab.
type command struct {
	name  string
	usage string // the synopsis line, after "netlab "
	short string // one line for the command list
	run   func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

// commands holds every subcommand. Each lives in its own file and adds
// itself here from an init function, so a new command touches no other file.
var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

func main() {
	// A multiprocess server re-executes this binary for its children; in a
	// child, this is where the child's life starts and ends.
	if multiprocess.IsChild() {
		os.Exit(multiprocess.RunChild())
	}
	// SIGINT and SIGTERM cancel ctx: servers shut down gracefully, clients
	// leave, compare stops early.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "netlab:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run(ctx, []string{"-h"}, stdin, stdout, stderr)
			}
		}
		usage(stderr)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		usage(stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "netlab runs one echo, chat and file server under five concurrency models and compares them.")
	fmt.Fprintln(w, "\nUsage:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		c := commands[name]
		fmt.Fprintf(w, "  netlab %-60s %s\n", c.usage, c.short)
	}
	fmt.Fprintln(w, "\nRun 'netlab help COMMAND' for a command's flags.")
}

// newFlagSet returns a flag set for c that prints its usage on stderr.
func newFlagSet(c *command, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: netlab %s\n\n%s\n\nFlags:\n", c.usage, c.short)
		fs.PrintDefaults()
	}
	return fs
}

// oneOf checks that v is one of the allowed words and says which are if not.
func oneOf(flagName, v string, allowed []string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return fmt.Errorf("-%s %q: want one of %s", flagName, v, strings.Join(allowed, ", "))
}
