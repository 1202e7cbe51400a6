//go:build linux

package eventloop_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/perconn"
)

// The benchmarks put servers and clients in separate processes: the scale
// benchmark so that 19,000 client sockets do not count against the
// server's file descriptor limit (nor its heap), and the throughput
// benchmark so that each side's CPU time can be told apart. The other
// process is this test binary, run again with helperEnv set: os/exec's
// TestHelperProcess pattern.
const helperEnv = "NETLAB_EVENTLOOP_HELPER"

// TestHelperProcess is not a test: it is the body of the helper processes,
// and does nothing unless helperEnv is set. Its role and arguments follow
// "--" on the command line; it is driven by lines on its standard input,
// answers on its standard output, and exits when its input ends.
//
//	clients ADDR N PERIP   hold N idle echo connections to ADDR, PERIP per
//	                       source address 127.0.0.2, 127.0.0.3, …; prints
//	                       "ready N"; on "ping" echoes one byte on each and
//	                       prints "pong"
//	server MODEL LOOPS     serve echo with MODEL (eventloop, perconn, or net:
//	                       the standard library's minimum) on a
//	                       fresh loopback port; prints "listening ADDR";
//	                       on "cpu" prints "cpu USER SYSTEM": its CPU time so far, in µs
func TestHelperProcess(t *testing.T) {
	role := os.Getenv(helperEnv)
	if role == "" {
		return
	}
	args := os.Args
	for len(args) > 0 && args[0] != "--" {
		args = args[1:]
	}
	var err error
	switch {
	case role == "clients" && len(args) == 4:
		err = holdClients(args[1], atoi(args[2]), atoi(args[3]))
	case role == "server" && len(args) == 3:
		err = runServer(args[1], atoi(args[2]))
	default:
		err = fmt.Errorf("bad helper invocation %s %q", role, args)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

// raiseFDLimit raises the soft limit on open files to the hard limit and
// returns it. (Go has done so at start-up since 1.19; saying it here keeps
// the requirement visible.)
func raiseFDLimit() (uint64, error) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
			return 0, fmt.Errorf("setrlimit: %w", err)
		}
	}
	return rl.Cur, nil
}

// holdClients is the "clients" helper.
func holdClients(addr string, n, perIP int) error {
	if _, err := raiseFDLimit(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conns := make([]net.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				// An abortive close (RST) leaves no TIME_WAIT on our side:
				// otherwise each run keeps its source ports for a minute,
				// and a second run within it fails to bind ("address
				// already in use").
				c.(*net.TCPConn).SetLinger(0)
				c.Close()
			}
		}
	}()
	// Past ~28,000 connections one source address runs out of ephemeral
	// ports (net.ipv4.ip_local_port_range), so spread them over
	// 127.0.0.2, 127.0.0.3, …: all of 127/8 is loopback on Linux.
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	next := make(chan int)
	for range 64 { // dials in flight: well under the listen backlog
		wg.Go(func() {
			for i := range next {
				d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i/perIP))}}
				c, err := d.DialContext(ctx, "tcp", addr)
				if err != nil {
					select {
					case errs <- fmt.Errorf("connection %d: %w", i, err):
					default:
					}
					cancel()
					continue
				}
				conns[i] = c
			}
		})
	}
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	deadline := time.Now().Add(2 * time.Minute)
	for _, c := range conns {
		c.SetDeadline(deadline)
	}
	// One byte on each proves the server has opened every session.
	if err := sweep(conns); err != nil {
		return err
	}
	fmt.Printf("ready %d\n", n)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() != "ping" {
			return fmt.Errorf("unknown command %q", in.Text())
		}
		if err := sweep(conns); err != nil {
			return err
		}
		fmt.Println("pong")
	}
	return nil
}

// sweep sends one byte on every connection, then reads every echo.
func sweep(conns []net.Conn) error {
	one := []byte{'.'}
	for i, c := range conns {
		if _, err := c.Write(one); err != nil {
			return fmt.Errorf("connection %d: write: %w", i, err)
		}
	}
	var b [1]byte
	for i, c := range conns {
		if _, err := io.ReadFull(c, b[:]); err != nil {
			return fmt.Errorf("connection %d: read: %w", i, err)
		}
	}
	return nil
}

// runServer is the "server" helper.
func runServer(model string, loops int) error {
	svc, cfg := echo.New(), netlab.Config{MaxConns: 20000}
	var srv netlab.Server
	switch model {
	case "eventloop":
		s, err := eventloop.New(svc, cfg, eventloop.Options{Loops: loops})
		if err != nil {
			return err
		}
		srv = s
	case "perconn":
		srv = perconn.New(svc, cfg)
	case "net":
		srv = newBareEcho()
	default:
		return fmt.Errorf("unknown model %q", model)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	fmt.Printf("listening %s\n", l.Addr())
	stdin, err := pollableStdin()
	if err != nil {
		return err
	}
	in := bufio.NewScanner(stdin)
	for in.Scan() {
		if in.Text() != "cpu" {
			return fmt.Errorf("unknown command %q", in.Text())
		}
		user, sys := cpuTime()
		fmt.Printf("cpu %d %d\n", user, sys)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, netlab.ErrServerClosed) {
		return err
	}
	return nil
}

// pollableStdin returns standard input (a pipe from the benchmark) made
// non-blocking, so that the runtime reads it through its netpoller, as it
// reads a socket. os.Stdin reads it with blocking read(2)s, each holding a
// thread and its processor (P) in a system call: then every "cpu" command
// has the scheduler's monitor take that P back and fall back to polling
// every 20 µs, a cost the benchmark charged to the server it measures (a
// third of the event loop's nanosleeps per request, and a handoff each).
func pollableStdin() (*os.File, error) {
	if err := unix.SetNonblock(0, true); err != nil {
		return nil, fmt.Errorf("stdin: %w", err)
	}
	return os.NewFile(0, "stdin"), nil
}

// cpuTime returns the user and system CPU time this process has used, in
// microseconds.
func cpuTime() (user, sys int64) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return ru.Utime.Nano() / 1000, ru.Stime.Nano() / 1000
}

// A helper is a running helper process.
type helper struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// startHelper runs this test binary as a helper in role with args. The
// helper is killed if ctx ends, and stopped when the benchmark ends.
func startHelper(ctx context.Context, tb testing.TB, role string, args ...string) *helper {
	tb.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"-test.run=^TestHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), helperEnv+"="+role)
	return startProcess(tb, cmd)
}

// startProcess starts cmd, which speaks the helpers' protocol on its
// standard input and output (the C reference does too), and stops it when
// the benchmark ends.
func startProcess(tb testing.TB, cmd *exec.Cmd) *helper {
	tb.Helper()
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = 10 * time.Second
	in, err := cmd.StdinPipe()
	require.NoError(tb, err)
	out, err := cmd.StdoutPipe()
	require.NoError(tb, err)
	require.NoError(tb, cmd.Start(), "start helper")
	h := &helper{cmd: cmd, in: in, out: bufio.NewReader(out)}
	tb.Cleanup(func() {
		assert.NoError(tb, h.stop(), "helper %s", cmd.Path)
	})
	return h
}

// ask sends a command (or nothing, if cmd is "") and returns the next line
// the helper prints, with its first word checked against want.
func (h *helper) ask(tb testing.TB, cmd, want string) []string {
	tb.Helper()
	if cmd != "" {
		if _, err := fmt.Fprintln(h.in, cmd); err != nil {
			tb.Fatalf("helper: send %q: %v", cmd, err)
		}
	}
	line, err := h.out.ReadString('\n')
	f := strings.Fields(line)
	if err != nil || len(f) == 0 || f[0] != want {
		tb.Fatalf("helper: got %q (%v), want %q", line, err, want)
	}
	return f
}

// stop closes the helper's input, which tells it to finish, and waits.
func (h *helper) stop() error {
	if h.in == nil {
		return nil
	}
	h.in.Close()
	h.in = nil
	return h.cmd.Wait()
}
