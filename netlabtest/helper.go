package netlabtest

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

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/accept"
)

// A Helper is a process a benchmark talks to by lines, in the
// helper-process pattern of os/exec's tests: a server measured apart from
// its clients, or clients apart from their server, so that each side's CPU
// time, descriptors and heap can be told apart. It answers every line on
// its standard input with a line on its standard output, whose first word
// says what it is, and exits when its input ends. [ServeHelper] is the
// body of such a process for a server.
type Helper struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// StartHelper starts cmd as a helper, its standard error the test's, and
// stops it when the test ends ([Helper.Stop]), failing the test if it does
// not then exit cleanly. cmd is usually the test binary itself, run again
// with an environment variable that names its role.
func StartHelper(tb testing.TB, cmd *exec.Cmd) *Helper {
	tb.Helper()
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = 10 * time.Second
	in, err := cmd.StdinPipe()
	require.NoError(tb, err)
	out, err := cmd.StdoutPipe()
	require.NoError(tb, err)
	require.NoError(tb, cmd.Start(), "start helper %s", cmd.Args)
	h := &Helper{cmd: cmd, in: in, out: bufio.NewReader(out)}
	tb.Cleanup(func() {
		assert.NoError(tb, h.Stop(), "helper %s", cmd.Args)
	})
	return h
}

// Ask sends the line cmd (nothing, if cmd is "") and returns the fields of
// the next line the helper prints, failing the test unless the first is
// want.
func (h *Helper) Ask(tb testing.TB, cmd, want string) []string {
	tb.Helper()
	if cmd != "" {
		_, err := fmt.Fprintln(h.in, cmd)
		require.NoError(tb, err, "helper: send %q", cmd)
	}
	line, err := h.out.ReadString('\n')
	require.NoError(tb, err, "helper: read the answer to %q", cmd)
	f := strings.Fields(line)
	require.True(tb, len(f) > 0 && f[0] == want, "helper: got %q, want %q", line, want)
	return f
}

// CPU asks a [ServeHelper] process for the CPU time it has used so far,
// user and kernel.
func (h *Helper) CPU(tb testing.TB) time.Duration {
	tb.Helper()
	f := h.Ask(tb, "cpu", "cpu")
	require.Len(tb, f, 3, "helper: cpu line")
	user, err1 := strconv.ParseInt(f[1], 10, 64)
	sys, err2 := strconv.ParseInt(f[2], 10, 64)
	require.NoError(tb, errors.Join(err1, err2), "helper: cpu line %q", f)
	return time.Duration(user+sys) * time.Microsecond
}

// Stop closes the helper's input, which tells it to finish, and waits for
// it to exit. Calls after the first return nil.
func (h *Helper) Stop() error {
	if h.in == nil {
		return nil
	}
	h.in.Close()
	h.in = nil
	return h.cmd.Wait()
}

// ServeHelper is the body of a helper process that serves srv: it serves
// srv on a fresh loopback port ([Loopback]), prints "listening ADDR",
// answers each line "cpu" with "cpu USER SYSTEM", the CPU time cpu reports
// in µs, and once its input ends stops srv ([Running.Stop]) and returns.
func ServeHelper(srv netlab.Server, cpu func() (user, sys int64, err error)) error {
	r := Loopback(srv)
	fmt.Printf("listening %s\n", r.Addr)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() != "cpu" {
			return errors.Join(fmt.Errorf("unknown command %q", in.Text()), r.Stop())
		}
		user, sys, err := cpu()
		if err != nil {
			return errors.Join(err, r.Stop())
		}
		fmt.Printf("cpu %d %d\n", user, sys)
	}
	return r.Stop()
}

// BareServer is the standard library's minimum for a server, the yardstick
// a benchmark holds a model to: a goroutine per connection that runs a
// handler on the bare [net.Conn], through the runtime's netpoller. No
// session, no queue, no timers; Shutdown closes everything at once, as
// Close does.
type BareServer struct {
	handle func(c net.Conn)
	ls     accept.Listeners

	mu    sync.Mutex
	conns map[net.Conn]struct{} // guarded by mu
	wg    sync.WaitGroup
}

var _ netlab.Server = (*BareServer)(nil)

// NewBareServer returns a server that calls handle with every connection,
// each on a goroutine of its own, and closes the connection when handle
// returns.
func NewBareServer(handle func(c net.Conn)) *BareServer {
	return &BareServer{handle: handle, conns: make(map[net.Conn]struct{})}
}

// Serve accepts connections on l until Close, and then returns
// [netlab.ErrServerClosed].
func (s *BareServer) Serve(l net.Listener) error {
	if err := s.ls.Add(l); err != nil {
		return err // closed already
	}
	for {
		c, err := l.Accept()
		if err != nil {
			if s.ls.Closing() {
				return netlab.ErrServerClosed
			}
			return err
		}
		s.mu.Lock()
		if s.ls.Closing() { // accepted as Close ran: Close may not have seen it
			s.mu.Unlock()
			c.Close()
			return netlab.ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.wg.Go(func() { // under mu, so never after Close's Wait has begun
			s.handle(c)
			c.Close()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		})
		s.mu.Unlock()
	}
}

// Shutdown is Close: a yardstick has nothing to finish.
func (s *BareServer) Shutdown(context.Context) error { return s.Close() }

// Close closes the listeners and every connection, and returns when every
// handler has.
func (s *BareServer) Close() error {
	s.ls.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}
