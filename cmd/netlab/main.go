// Command netlab runs netlab's servers, clients and comparisons.
//
//	netlab serve -model MODEL -service SERVICE [-addr HOST:PORT] [flags]
//	netlab echo [-addr HOST:PORT] [-udp]
//	netlab chat [-addr HOST:PORT] [-name NAME]
//	netlab files [-addr HOST:PORT] ls | get NAME... | put FILE... | hash NAME...
//	netlab compare [flags]
//	netlab load -addr HOST:PORT [flags]
//	netlab lab list | check NAME | export -out DIR [LAB...]
//
// Run `netlab help COMMAND` for a command's flags. The wire protocols and the
// serve command line are specified in docs/protocols.md.
//
// Exit status: 0 on success (and for help), 1 when the work failed
// (connection refused, file not found, port in use), 2 for a bad command
// line, and 128 plus the signal's number (130 for Ctrl-C) when a client or
// comparison was interrupted. A server stopped by SIGINT or SIGTERM has done
// its job and exits 0 once it has shut down gracefully.
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
	"text/tabwriter"

	"github.com/netlab-go/netlab/multiprocess"
)

// A command is one subcommand of netlab.
type command struct {
	name  string
	usage string // the synopsis line, after "netlab "
	short string // one line for the command list, under 50 columns
	run   func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error

	// untilSignal says a signal is how the command is meant to end (serve):
	// stopped by one, it exits 0, not 128+signal.
	untilSignal bool
}

// commands returns every subcommand, in the order the usage lists them.
// Each one's run function lives in the file named after it. It is a
// function rather than a variable because the commands look themselves up
// (for their flag usage), which a package-level table initialised with them
// could not allow.
func commands() []*command {
	return []*command{
		{
			name:        "serve",
			usage:       "serve -model MODEL -service SERVICE [-addr HOST:PORT] [flags]",
			short:       "run one server until SIGINT or SIGTERM",
			run:         runServe,
			untilSignal: true,
		},
		{
			name:  "echo",
			usage: "echo [-addr HOST:PORT] [-udp]",
			short: "send standard input to an echo server, print what comes back",
			run:   runEcho,
		},
		{
			name:  "chat",
			usage: "chat [-addr HOST:PORT] [-name NAME]",
			short: "join a chat room: lines typed go to the room",
			run:   runChat,
		},
		{
			name:  "files",
			usage: "files [-addr HOST:PORT] ls | get NAME... | put FILE... | hash NAME...",
			short: "list, download, upload and checksum files on a files server",
			run:   runFiles,
		},
		{
			name:  "compare",
			usage: "compare [-services LIST] [-models LIST] [-duration D] [-out DIR]",
			short: "run every model × service on loopback, print a table",
			run:   runCompare,
		},
		{
			name:  "load",
			usage: "load -addr HOST:PORT [-service S] [-clients N] [flags]",
			short: "drive a running server, print a load summary",
			run:   runLoad,
		},
		{
			name:  "lab",
			usage: "lab list | check NAME | export -out DIR [LAB...]",
			short: "the course's labs: list them, grade one, write a student copy",
			run:   runLab,
		},
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

// Exit statuses, as every Unix tool has them.
const (
	exitFailure = 1 // the work failed
	exitUsage   = 2 // the command line was wrong
)

func main() {
	// A multiprocess server re-executes this binary for its children; in a
	// child, this is where the child's life starts and ends.
	if multiprocess.IsChild() {
		os.Exit(multiprocess.RunChild())
	}
	// SIGINT and SIGTERM cancel ctx, with the signal as its cause: servers
	// shut down gracefully, clients leave, compare stops early.
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		cancel(signalError{sig.(syscall.Signal)})
		signal.Stop(sigs) // a second Ctrl-C kills at once
	}()
	os.Exit(exitCode(ctx, run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr), os.Args[1:], os.Stderr))
}

// signalError is the cause of a context cancelled by a signal.
type signalError struct{ sig syscall.Signal }

func (e signalError) Error() string { return "interrupted by " + e.sig.String() }

// exitCode reports err on stderr and returns the exit status for it.
func exitCode(ctx context.Context, err error, args []string, stderr io.Writer) int {
	var sig signalError
	if errors.As(context.Cause(ctx), &sig) {
		if c := lookup(firstArg(args)); c != nil && c.untilSignal && err == nil {
			return 0
		}
		return 128 + int(sig.sig)
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		if !errors.As(err, new(flagError)) { // the flag package has said it
			fmt.Fprintln(stderr, "netlab:", err)
		}
		return exitUsage
	default:
		fmt.Fprintln(stderr, "netlab:", err)
		return exitFailure
	}
}

func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// flagError is a flag the flag package refused, and has already told the
// user about along with the usage.
type flagError struct{ err error }

func (e flagError) Error() string { return e.err.Error() }
func (e flagError) Unwrap() error { return e.err }

// usagef returns a usage error: the command line asked for something that
// cannot be, and nothing was tried.
func usagef(format string, a ...any) error {
	return usageError{fmt.Errorf(format, a...)}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stdout)
		return nil
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) == 1 {
			usage(stdout)
			return nil
		}
		c := lookup(args[1])
		if c == nil {
			return usagef("help %s: no such command; run 'netlab help' for the list", args[1])
		}
		return runCommand(ctx, c, []string{"-h"}, stdin, stdout, stderr)
	}
	c := lookup(args[0])
	if c == nil {
		if strings.HasPrefix(args[0], "-") {
			return usagef("flag %s before a command: flags come after it (netlab COMMAND -flag); run 'netlab help'", args[0])
		}
		return usagef("unknown command %q; run 'netlab help' for the list", args[0])
	}
	return runCommand(ctx, c, args[1:], stdin, stdout, stderr)
}

// runCommand runs c and makes a flag its flag set refused a usage error,
// whatever error the command returned for it.
func runCommand(ctx context.Context, c *command, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	out := &streams{stderr: stderr, stdout: stdout}
	err := c.run(ctx, args, stdin, stdout, out)
	if out.badFlag && err != nil && !errors.Is(err, flag.ErrHelp) {
		return usageError{flagError{err}}
	}
	return err
}

// streams is the standard error a command is given: it carries standard
// output along for the help its flag set prints, and notes a flag refused.
type streams struct {
	stderr, stdout io.Writer
	badFlag        bool
}

func (s *streams) Write(p []byte) (int, error) { return s.stderr.Write(p) }

// usage prints the list of commands, aligned, within 80 columns.
func usage(w io.Writer) {
	fmt.Fprintln(w, "netlab runs echo, chat and file servers under five concurrency models.")
	fmt.Fprintln(w, "\nUsage:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  netlab %s\n", c.usage)
	}
	fmt.Fprintln(w, "\nCommands:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.short)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nRun 'netlab help COMMAND' for a command's flags.")
}

// newFlagSet returns a flag set for the command called name. Asked for
// help (-h), it prints the command's usage on stdout and Parse returns
// [flag.ErrHelp], which exits 0; given a flag it does not know, it prints
// the problem and the usage on stderr, and Parse's error exits 2.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	c := lookup(name)
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	var stdout io.Writer = os.Stdout
	st, _ := stderr.(*streams)
	if st != nil {
		stdout = st.stdout
	}
	// The flag package writes its complaint, then calls Usage: having seen
	// a complaint tells a mistake from a request for help.
	out := &sawWrite{w: stderr}
	fs.SetOutput(out)
	fs.Usage = func() {
		w := stdout
		if out.wrote {
			w = stderr
			if st != nil {
				st.badFlag = true
			}
		}
		fmt.Fprintf(w, "Usage: netlab %s\n\n%s.\n\nFlags:\n", c.usage, c.short)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(out)
	}
	return fs
}

// sawWrite is a writer that remembers being written to.
type sawWrite struct {
	w     io.Writer
	wrote bool
}

func (s *sawWrite) Write(p []byte) (int, error) {
	s.wrote = true
	return s.w.Write(p)
}

// oneOf says that v, given to -flagName, is none of the allowed words, and
// which are.
func oneOf(flagName, v string, allowed []string) error {
	return usagef("-%s %q: want one of %s", flagName, v, strings.Join(allowed, ", "))
}
