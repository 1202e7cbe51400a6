package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/udp"
)

// runEcho copies standard input to the server and the server's answer to
// standard output, concurrently, so it works typed at a terminal or fed a
// file. At end of input it half-closes and prints what is still coming back.
// With -udp each line is one datagram and its echo is awaited in turn.
func runEcho(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("echo", stderr)
	addr := addrFlag(fs, "echo")
	overUDP := fs.Bool("udp", false, "talk to the server over UDP: each line is one datagram")
	wait := fs.Duration("wait", 2*time.Second, "-udp: how long to wait for each datagram's echo")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("echo: unexpected argument %q (what to send comes on standard input)", fs.Arg(0))
	}
	if *overUDP {
		return echoUDP(ctx, *addr, *wait, stdin, stdout)
	}
	c, err := echo.Dial(ctx, *addr)
	if err != nil {
		return err
	}
	defer c.Close()
	conn := c.Conn()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	go func() {
		io.Copy(conn, stdin)
		c.CloseWrite()
	}()
	_, err = io.Copy(stdout, conn)
	if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	return nil
}

// echoUDP sends each line of in as one datagram and prints the echo that
// comes back within wait. Nothing is retransmitted, so a lost datagram is
// reported, and the next line is sent.
func echoUDP(ctx context.Context, addr string, wait time.Duration, in io.Reader, out io.Writer) error {
	c, err := udp.Dial(ctx, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	r := bufio.NewReaderSize(in, udp.MaxDatagram)
	sent, lost := 0, 0
	for {
		p, err := r.ReadSlice('\n')
		if len(p) > 0 {
			sent++
			reply, rerr := c.Echo(p, wait)
			switch {
			case ctx.Err() != nil:
				return nil
			case errors.Is(rerr, context.DeadlineExceeded) || isTimeout(rerr):
				lost++
			case rerr != nil:
				return fmt.Errorf("echo: %w", rerr)
			default:
				if _, err := out.Write(reply); err != nil {
					return err
				}
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue // a line longer than a datagram goes in several
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("echo: reading standard input: %w", err)
		}
	}
	if lost > 0 {
		return fmt.Errorf("echo: %d of %d datagrams got no echo within %v (UDP does not retransmit)", lost, sent, wait)
	}
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// addrFlag defines a client's -addr flag on fs: the server of the service
// called name, by default 127.0.0.1 and the service's own port.
func addrFlag(fs *flag.FlagSet, name string) *string {
	def := net.JoinHostPort("127.0.0.1", strconv.Itoa(models.MustLookupService(name).Port))
	return fs.String("addr", def, "the "+name+" server's `HOST:PORT`")
}
