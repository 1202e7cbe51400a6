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

// commands returns every subcommand, in the order the usage lists them.
// Each one's run function lives in the file named after it. It is a
// function rather than a variable because the commands look themselves up
// (for their flag usage), which a package-level table initialised with them
// could not allow.
func commands() []*command {
	return []*command{
		{
			name:  "serve",
			usage: "serve -model MODEL -service SERVICE -addr HOST:PORT [flags]",
			short: "run one server until SIGINT or SIGTERM",
			run:   runServe,
		},
		{
			name:  "echo",
			usage: "echo -addr HOST:PORT",
			short: "talk to an echo server: what you type comes back",
			run:   runEcho,
		},
		{
			name:  "chat",
			usage: "chat -addr HOST:PORT [-name NAME]",
			short: "join a chat room: lines you type go to the room, lines from the room are printed",
			run:   runChat,
		},
		{
			name:  "files",
			usage: "files -addr HOST:PORT ls | get NAME... | put FILE... | hash NAME...",
			short: "list, download, upload and checksum files on a files server",
			run:   runFiles,
		},
		{
			name:  "compare",
			usage: "compare [-services echo,chat,files] [-models ...] [-duration 1s] [-svg FILE]",
			short: "run every model × service on loopback and print a table (and an SVG chart)",
			run:   runCompare,
		},
		{name: "load", usage: "load -addr HOST:PORT [-service S] [-clients N] [-requests M] [-duration D] [-rate R]", short: "drive a running server, print a load summary", run: runLoad},
	}
}

// lookup returns the command called name, or nil.
func lookup(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

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
			if c := lookup(args[1]); c != nil {
				return c.run(ctx, []string{"-h"}, stdin, stdout, stderr)
			}
		}
		usage(stderr)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	c := lookup(args[0])
	if c == nil {
		usage(stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "netlab runs one echo, chat and file server under five concurrency models and compares them.")
	fmt.Fprintln(w, "\nUsage:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  netlab %-60s %s\n", c.usage, c.short)
	}
	fmt.Fprintln(w, "\nRun 'netlab help COMMAND' for a command's flags.")
}

// newFlagSet returns a flag set for the command called name that prints
// its usage on stderr.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	c := lookup(name)
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: netlab %s\n\n%s\n\nFlags:\n", c.usage, c.short)
		fs.PrintDefaults()
	}
	return fs
}

// oneOf says that v, given to -flagName, is none of the allowed words, and
// which are.
func oneOf(flagName, v string, allowed []string) error {
	return fmt.Errorf("-%s %q: want one of %s", flagName, v, strings.Join(allowed, ", "))
}
