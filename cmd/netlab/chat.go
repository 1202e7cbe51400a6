package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"golang.org/x/term"

	"github.com/netlab-go/netlab/chat"
)

// maxInputLine bounds a line read from standard input. The server refuses
// lines over 4096 bytes itself ("! line too long"); this only keeps a
// runaway input from being buffered without end.
const maxInputLine = 64 << 10

// runChat joins the room at -addr (over UDP with -udp). It works three
// ways:
//
//   - At a terminal (standard input and output both), it opens the chat
//     screen (chatscreen.go): an input line with history that incoming
//     messages never break into, each message stamped and its sender in
//     colour. Ctrl-C or Ctrl-D leaves.
//   - With only standard input at a terminal, lines are plain, and end of
//     input (Ctrl-D) sends /quit, so you leave the way you would by typing
//     it: the server says "* bye" and closes.
//   - From a pipe or a file, end of input half-closes the connection: the
//     server handles every line sent, a last one without LF included, and
//     closes. `printf 'hi\n/quit\n' | netlab chat` prints what it
//     receives and exits once the server has closed.
//
// The command ends when the server closes the connection, or at SIGINT. If
// the server closes it unasked, the command says "connection closed by
// server" and fails.
//
// -name sends "/nick NAME" as the very first line, at once, before anything
// is read; the protocol has no way to choose a name at connect, so the
// others see "* guest-N joined" and right after it "* guest-N is now NAME"
// (docs/clients.md).
func runChat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("chat", stderr)
	addr := addrFlag(fs, "chat")
	name := fs.String("name", "", "take this name on joining (sends /nick NAME first)")
	overUDP := fs.Bool("udp", false, "join over UDP: -addr is the server's -udp address")
	plain := fs.Bool("plain", false, "plain lines even at a terminal, no chat screen")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("chat: unexpected argument %q (lines to send come on standard input)", fs.Arg(0))
	}
	if *name != "" && !chat.ValidName(*name) {
		return usagef("chat: -name %q: a name is 1 to 32 of A-Z a-z 0-9 _ -", *name)
	}
	screen := !*plain && isTTY(stdin) && isTTY(stdout)
	if *overUDP {
		return runChatUDP(ctx, *addr, *name, screen, stdin, stdout)
	}
	c, err := chat.Dial(ctx, *addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil // interrupted while connecting: nothing to report
		}
		return err
	}
	defer c.Close()
	if *name != "" {
		if err := c.Nick(*name); err != nil {
			return err
		}
	}
	if screen {
		return runChatScreen(ctx, chatFeed{lines: c.Lines(), err: c.Err, send: c.Send}, stdin, stdout, useColor())
	}
	interactive := isTerminal(stdin)
	if interactive {
		fmt.Fprintf(stderr, "connected to %s: type a line to say it, /help for commands, /quit or Ctrl-D to leave\n", *addr)
	}

	// Standard input is read on its own goroutine, so that lines from the
	// room are printed while you type. It is not waited for: a read from a
	// terminal cannot be interrupted, and once the server has closed the
	// connection nothing it could read matters. Whatever it does after we
	// return fails harmlessly on the closed client.
	var leaving atomic.Bool // set before the input's /quit or half-close
	inputErr := make(chan error, 1)
	go func() { inputErr <- sendInput(c, stdin, interactive, &leaving) }()

	var inErr error
	bye := false
	for {
		select {
		case line, ok := <-c.Lines():
			if !ok {
				if err := c.Err(); err != nil {
					return err
				}
				if !bye && !leaving.Load() {
					return errClosedByServer
				}
				return inErr
			}
			bye = bye || line == "* bye"
			if _, err := fmt.Fprintln(stdout, line); err != nil {
				return fmt.Errorf("chat: write output: %w", err)
			}
		case err := <-inputErr:
			// Input is over; keep printing until the server closes.
			inErr = err
			if err != nil {
				fmt.Fprintf(stderr, "netlab chat: %v\n", err)
			}
		case <-ctx.Done():
			return nil // SIGINT: Close (deferred) leaves the room
		}
	}
}

// sendInput sends each line of in, then leaves: with /quit at a terminal,
// by half-closing otherwise (see runChat). An error sending means the
// connection is gone, which the reader reports; it is not repeated here.
func sendInput(c *chat.Client, in io.Reader, interactive bool, leaving *atomic.Bool) error {
	sc := bufio.NewScanner(in) // ScanLines drops a CR before the LF
	sc.Buffer(make([]byte, 0, 4096), maxInputLine)
	for sc.Scan() {
		if err := c.Send(sc.Text()); err != nil {
			return nil
		}
	}
	err := sc.Err()
	if errors.Is(err, bufio.ErrTooLong) {
		err = fmt.Errorf("a line of input is over %d bytes; the server takes at most %d a line: leaving", maxInputLine, chat.MaxLine)
	} else if err != nil {
		err = fmt.Errorf("read input: %w; leaving", err)
	}
	leaving.Store(true)
	if interactive {
		c.Quit()
	} else {
		c.CloseWrite()
	}
	return err
}

// isTerminal reports whether r is a terminal (or another character device,
// such as /dev/null, which is treated the same: a harmless "* bye" more).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// isTTY reports whether f is a terminal, one the chat screen or the files
// shell can take over (a character device such as /dev/null is not).
func isTTY(f any) bool {
	fd, ok := f.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(fd.Fd()))
}

// useColor reports whether the screens may colour their text: yes, unless
// NO_COLOR is set (no-color.org) or the terminal says it is dumb.
func useColor() bool {
	return os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}
