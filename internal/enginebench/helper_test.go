package enginebench_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/models"
)

// helperEnv names the helper role when this test binary runs as a server
// process: os/exec's TestHelperProcess pattern, dispatched from TestMain
// so that the helper runs no tests. Arguments follow "--". A helper prints
// "listening ADDR" once it serves on a fresh loopback port, answers the
// line "cpu" with "cpu USER SYSTEM" (its CPU time so far, in µs), and
// exits when its standard input ends.
//
//	serve MODEL SERVICE ROOT   SERVICE (a name from internal/models) under
//	                           MODEL; ROOT is the files service's folder
//	sendfile ROOT              the bare reference: "GET NAME" answered with
//	                           "OK SIZE" and one io.Copy of the file (sendfile)
const helperEnv = "NETLAB_ENGINEBENCH_HELPER"

func runHelper(role string, argv []string) int {
	args := argv
	for len(args) > 0 && args[0] != "--" {
		args = args[1:]
	}
	var err error
	switch {
	case role == "serve" && len(args) == 4:
		err = serveModel(args[1], args[2], args[3])
	case role == "sendfile" && len(args) == 2:
		err = serveLoop(&bareSendfile{root: args[1]})
	default:
		err = fmt.Errorf("bad helper invocation %s %q", role, args)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

// serveModel is the "serve" helper.
func serveModel(model, service, root string) error {
	m, err := models.Lookup(model)
	if err != nil {
		return err
	}
	s, err := models.LookupService(service)
	if err != nil {
		return err
	}
	flags := models.Flags{Root: root}
	svc, cleanup, err := s.New(flags)
	if err != nil {
		return err
	}
	defer cleanup()
	srv, err := m.New(svc, netlab.Config{MaxConns: 20000}, flags)
	if err != nil {
		return err
	}
	return serveLoop(srv)
}

// serveLoop serves srv on a fresh loopback port and answers the helper
// protocol until its input ends, then shuts srv down.
func serveLoop(srv netlab.Server) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	fmt.Printf("listening %s\n", l.Addr())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() != "cpu" {
			return fmt.Errorf("unknown command %q", in.Text())
		}
		user, sys, err := treeCPU()
		if err != nil {
			return err
		}
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

// bareSendfile is the download yardstick: what a GET costs with nothing
// but the standard library, a goroutine per connection and one io.Copy
// from the file to the *net.TCPConn, which the runtime turns into
// sendfile(2) in chunks as large as the socket takes. It speaks just
// enough of docs/protocols.md's files protocol for filesrv's client.
type bareSendfile struct {
	root string

	mu    sync.Mutex
	l     net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func (s *bareSendfile) Serve(l net.Listener) error {
	s.mu.Lock()
	s.l, s.conns = l, make(map[net.Conn]struct{})
	s.mu.Unlock()
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return netlab.ErrServerClosed
			}
			return err
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Go(func() {
			s.serveConn(c)
			c.Close()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		})
	}
}

func (s *bareSendfile) serveConn(c net.Conn) {
	in := bufio.NewReader(c)
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			return
		}
		name, ok := strings.CutPrefix(strings.TrimSpace(line), "GET ")
		if !ok || strings.ContainsAny(name, `/\`) {
			fmt.Fprintf(c, "ERR only GET NAME is served here\n")
			continue
		}
		f, err := os.Open(filepath.Join(s.root, name))
		if err != nil {
			fmt.Fprintf(c, "ERR %v\n", err)
			continue
		}
		fi, err := f.Stat()
		if err == nil {
			_, err = fmt.Fprintf(c, "OK %d\n", fi.Size())
		}
		if err == nil {
			_, err = io.Copy(c, f)
		}
		f.Close()
		if err != nil {
			return
		}
	}
}

func (s *bareSendfile) Shutdown(context.Context) error { return s.Close() }

func (s *bareSendfile) Close() error {
	s.mu.Lock()
	if s.l != nil {
		s.l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// A helper is a running helper process.
type helper struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	addr string
}

// startHelper runs this test binary as a helper in role with args, waits
// for its address, and stops it when the benchmark ends.
func startHelper(tb testing.TB, role string, args ...string) *helper {
	tb.Helper()
	// Not CommandContext with tb.Context: that ends before the cleanup
	// that stops the helper gently.
	cmd := exec.Command(os.Args[0], append([]string{"--"}, args...)...)
	cmd.Env = append(os.Environ(), helperEnv+"="+role)
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = 10 * time.Second
	in, err := cmd.StdinPipe()
	require.NoError(tb, err)
	out, err := cmd.StdoutPipe()
	require.NoError(tb, err)
	require.NoError(tb, cmd.Start(), "start helper")
	h := &helper{cmd: cmd, in: in, out: bufio.NewReader(out)}
	tb.Cleanup(func() {
		h.in.Close() // end of input: the helper shuts down and exits
		assert.NoError(tb, h.cmd.Wait(), "helper %s %v", role, args)
	})
	h.addr = h.ask(tb, "", "listening")[1]
	return h
}

// ask sends a command (or nothing, if cmd is "") and returns the next line
// the helper prints, with its first word checked against want.
func (h *helper) ask(tb testing.TB, cmd, want string) []string {
	tb.Helper()
	if cmd != "" {
		_, err := fmt.Fprintln(h.in, cmd)
		require.NoError(tb, err, "helper: send %q", cmd)
	}
	line, err := h.out.ReadString('\n')
	f := strings.Fields(line)
	require.NoError(tb, err, "helper: read")
	require.True(tb, len(f) > 0 && f[0] == want, "helper: got %q, want %q", line, want)
	return f
}

// cpu returns the helper's CPU time so far, user and kernel.
func (h *helper) cpu(tb testing.TB) time.Duration {
	f := h.ask(tb, "cpu", "cpu")
	require.Len(tb, f, 3, "helper: cpu line")
	user, err1 := strconv.ParseInt(f[1], 10, 64)
	sys, err2 := strconv.ParseInt(f[2], 10, 64)
	require.NoError(tb, errors.Join(err1, err2), "helper: cpu line %q", f)
	return time.Duration(user+sys) * time.Microsecond
}

// treeCPU returns the CPU time, in µs, of this process, of its children
// that have exited (getrusage), and of those still running (their
// /proc/PID/stat, in clock ticks): the multiprocess model serves each
// connection in a child, which a download keeps alive while it is measured.
func treeCPU() (user, sys int64, err error) {
	for _, who := range []int{unix.RUSAGE_SELF, unix.RUSAGE_CHILDREN} {
		var ru unix.Rusage
		if err := unix.Getrusage(who, &ru); err != nil {
			return 0, 0, err
		}
		user += ru.Utime.Nano() / 1000
		sys += ru.Stime.Nano() / 1000
	}
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	for _, t := range tasks {
		kids, err := os.ReadFile(t)
		if err != nil {
			continue // the thread exited
		}
		for _, pid := range strings.Fields(string(kids)) {
			stat, err := os.ReadFile("/proc/" + pid + "/stat")
			if err != nil {
				continue // the child exited, and getrusage will count it
			}
			// Fields after the command name, which is in parentheses and
			// may hold spaces: utime and stime are the 12th and 13th.
			f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
			if len(f) < 13 {
				continue
			}
			u, _ := strconv.ParseInt(f[11], 10, 64)
			k, _ := strconv.ParseInt(f[12], 10, 64)
			const tick = 10_000 // µs: USER_HZ is 100 on Linux
			user += u * tick
			sys += k * tick
		}
	}
	return user, sys, nil
}
