package multiprocess_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/multiprocess/services"
	"github.com/netlab-go/netlab/netlabtest"
)

// crashy is a test service: it echoes, except that the line "panic" makes
// its session panic and the line "exit" kills the whole process, the way a
// session with a memory-corruption bug in C would.
type crashy struct{}

type crashySession struct{ c netlab.Conn }

func (crashy) Open(c netlab.Conn) netlab.Session { return crashySession{c} }

func (s crashySession) Data(p []byte) {
	switch strings.TrimSpace(string(p)) {
	case "panic":
		panic("crashy: asked to panic")
	case "exit":
		os.Exit(1)
	}
	s.c.Send(p)
}
func (s crashySession) EOF()       { s.c.Close() }
func (crashySession) Closed(error) {}

func init() {
	multiprocess.Register("test-crashy", func(multiprocess.Env) (netlab.Service, error) { return crashy{}, nil })
}

// start serves spec on a fresh port and returns the address and server. It
// shuts the server down when the test ends, and checks that Serve returned
// ErrServerClosed and that no child of this process is left, zombie or not.
func start(t *testing.T, spec multiprocess.Spec, cfg netlab.Config, opts multiprocess.Options) (string, *multiprocess.Server) {
	t.Helper()
	srv, err := multiprocess.New(spec, cfg, opts)
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		shutdown(t, srv)
		assert.ErrorIs(t, <-served, netlab.ErrServerClosed, "what Serve returned")
		assert.Empty(t, childrenOf(t, os.Getpid()), "children left after Shutdown (pid: state)")
	})
	return l.Addr().String(), srv
}

func shutdown(t *testing.T, srv *multiprocess.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), netlabtest.Timeout) // t.Context is done by cleanup time
	defer cancel()
	assert.NoError(t, srv.Shutdown(ctx), "shutdown")
}

// childrenOf returns the processes whose parent is pid, with their state
// ("Z" for a zombie: exited, and never waited for), from /proc.
func childrenOf(t *testing.T, pid int) map[int]string {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	require.NoError(t, err)
	kids := map[int]string{}
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the process ended while we looked
		}
		// pid (comm) state ppid …: comm may hold spaces, so cut at the last ')'.
		i := strings.LastIndexByte(string(b), ')')
		fields := strings.Fields(string(b[i+1:]))
		if len(fields) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid == pid {
			p, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
			kids[p] = fields[0]
		}
	}
	return kids
}

// client is a connection with a line reader.
type client struct {
	*net.TCPConn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) client {
	c := netlabtest.Dial(t, addr)
	return client{c, bufio.NewReader(c)}
}

// roundTrip sends a line and expects it back.
func (c client) roundTrip(t *testing.T, line string) {
	t.Helper()
	netlabtest.RoundTrip(t, struct {
		io.Reader
		io.Writer
	}{c.r, c}, line+"\n")
}

func TestACrashKillsOnlyItsChild(t *testing.T) {
	for _, magic := range []string{"exit", "panic"} {
		t.Run("a session that calls "+magic+" closes its connection alone", func(t *testing.T) {
			addr, srv := start(t, multiprocess.Spec{Service: "test-crashy"}, netlab.Config{}, multiprocess.Options{Stderr: io.Discard})
			a, b := dial(t, addr), dial(t, addr)
			a.roundTrip(t, "a is served")
			b.roundTrip(t, "b is served")

			_, err := io.WriteString(b, magic+"\n")
			require.NoError(t, err)
			rest, err := io.ReadAll(b.r)
			assert.Empty(t, rest, "what b read after %q", magic)
			if err != nil {
				assert.True(t, netlabtest.IsReset(err), "b's connection ends with %v", err)
			}
			a.roundTrip(t, "a is still served")
			c := dial(t, addr)
			c.roundTrip(t, "and a newcomer is served")

			a.Close()
			c.Close()
			shutdown(t, srv)
			st := srv.Stats()
			assert.EqualValues(t, 1, st.Panics, "panics")
			assert.EqualValues(t, 3, st.Accepted, "accepted")
			assert.Zero(t, st.Active, "active after shutdown")
		})
	}

	t.Run("a preforked child that dies is replaced, and the server goes on", func(t *testing.T) {
		addr, srv := start(t, multiprocess.Spec{Service: "test-crashy"}, netlab.Config{}, multiprocess.Options{Procs: 2, Stderr: io.Discard})
		b := dial(t, addr)
		b.roundTrip(t, "b is served")
		before := srv.Children()
		_, err := io.WriteString(b, "exit\n")
		require.NoError(t, err)
		netlabtest.WaitClosed(t, b.TCPConn) // the end of the connection: its child is gone
		for i := range 4 {
			c := dial(t, addr)
			c.roundTrip(t, "client "+strconv.Itoa(i)+" is served")
			c.Close()
		}
		shutdown(t, srv)
		st := srv.Stats()
		assert.EqualValues(t, 1, st.Panics, "crashes")
		assert.EqualValues(t, 5, st.Accepted, "accepted")
		assert.Len(t, before, 2, "children at the start")
	})
}

func TestChatAcrossProcesses(t *testing.T) {
	t.Run("two clients served by two processes chat through the parent's hub", func(t *testing.T) {
		addr, srv := start(t, services.Chat(), netlab.Config{}, multiprocess.Options{})
		a := dial(t, addr)
		require.Equal(t, "* welcome guest-1", netlabtest.ReceiveLine(t, a.r))
		b := dial(t, addr)
		require.Equal(t, "* welcome guest-2", netlabtest.ReceiveLine(t, b.r))
		require.Len(t, srv.Children(), 2, "two clients are served by two processes")

		_, err := io.WriteString(b, "hello from another process\n")
		require.NoError(t, err)
		assert.Equal(t, "* guest-2 joined", netlabtest.ReceiveLine(t, a.r))
		assert.Equal(t, "guest-2: hello from another process", netlabtest.ReceiveLine(t, a.r))
		_, err = io.WriteString(a, "/who\n")
		require.NoError(t, err)
		assert.Equal(t, "* online: guest-1 guest-2", netlabtest.ReceiveLine(t, a.r))
	})
}

func TestShutdown(t *testing.T) {
	t.Run("a child whose upload outlives the context is killed, and reaped", func(t *testing.T) {
		root := t.TempDir()
		addr, srv := start(t, services.Files(root, 0), netlab.Config{}, multiprocess.Options{})
		c := dial(t, addr)
		_, err := io.WriteString(c, "PUT big 1000000\nonly the first bytes")
		require.NoError(t, err)
		// The upload is in the child's hands once its temporary file exists.
		netlabtest.WaitFor(t, "the upload's temporary file", func() bool { return len(netlabtest.HiddenFiles(t, root)) > 0 })
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		assert.ErrorIs(t, srv.Shutdown(ctx), context.DeadlineExceeded, "Shutdown with an upload stuck")
		assert.Empty(t, childrenOf(t, os.Getpid()), "children left after Shutdown")
		st := srv.Stats()
		assert.Zero(t, st.Panics, "children we killed are no crash")
		assert.Zero(t, st.Active, "active after Shutdown")
	})

	for _, procs := range []int{0, 2} {
		t.Run("Serve returns ErrServerClosed after Close, with "+strconv.Itoa(procs)+" preforked children", func(t *testing.T) {
			srv, err := multiprocess.New(services.Echo(), netlab.Config{}, multiprocess.Options{Procs: procs})
			require.NoError(t, err)
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			served := make(chan error, 1)
			go func() { served <- srv.Serve(l) }()
			c := dial(t, l.Addr().String())
			c.roundTrip(t, "served")
			require.NoError(t, srv.Close())
			assert.ErrorIs(t, <-served, netlab.ErrServerClosed, "what Serve returned")
			assert.Empty(t, childrenOf(t, os.Getpid()), "children left after Close")
		})
	}

	t.Run("an unregistered service is refused by New, with a hint to register it", func(t *testing.T) {
		_, err := multiprocess.New(multiprocess.Spec{Service: "nope"}, netlab.Config{}, multiprocess.Options{})
		assert.ErrorContains(t, err, "Register")
	})
}

func TestACrashedUploadIsTidiedUp(t *testing.T) {
	t.Run("a preforked child killed mid-upload leaves no temporary file for the next client to see", func(t *testing.T) {
		root := t.TempDir()
		addr, srv := start(t, services.Files(root, 0), netlab.Config{}, multiprocess.Options{Procs: 2, Stderr: io.Discard})
		c := dial(t, addr)
		_, err := io.WriteString(c, "PUT big 1000000\nonly the first bytes")
		require.NoError(t, err)
		netlabtest.WaitFor(t, "the upload's temporary file", func() bool { return len(netlabtest.HiddenFiles(t, root)) > 0 })
		temp := filepath.Join(root, netlabtest.HiddenFiles(t, root)[0])

		// Kill the child that holds the upload, and only it: the other
		// child keeps serving, so the sweep must come from the parent.
		holder := 0
		for _, pid := range srv.Children() {
			if holds(t, pid, temp) {
				holder = pid
			}
		}
		require.NotZero(t, holder, "no child holds %s", temp)
		require.NoError(t, syscall.Kill(holder, syscall.SIGKILL))
		netlabtest.WaitClosed(t, c.TCPConn) // the child is dead
		netlabtest.WaitFor(t, "the parent to reap the child and start another", func() bool {
			pids := srv.Children()
			return len(pids) == 2 && !slices.Contains(pids, holder)
		})

		d := dial(t, addr)
		_, err = io.WriteString(d, "LIST\n")
		require.NoError(t, err)
		assert.Equal(t, "OK 0", netlabtest.ReceiveLine(t, d.r), "the next client's LIST")
		assert.Empty(t, netlabtest.HiddenFiles(t, root), "temporary files once the crash is handled")
		d.Close()
		shutdown(t, srv)
		assert.EqualValues(t, 1, srv.Stats().Panics, "crashes")
	})
}

// holds reports whether process pid has path open.
func holds(t *testing.T, pid int, path string) bool {
	t.Helper()
	fds, err := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	require.NoError(t, err)
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err == nil && target == path {
			return true
		}
	}
	return false
}
