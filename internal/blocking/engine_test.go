package blocking_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/blocking"
	"github.com/netlab-go/netlab/netlabtest"
)

// fakeListener hands Accept whatever the test pushes: a connection or an
// error. Close makes Accept return net.ErrClosed, as a real listener does.
type fakeListener struct {
	accepts chan accepted
	calls   chan struct{} // receives once per Accept call
	closed  chan struct{}
	once    atomic.Bool
}

type accepted struct {
	nc  net.Conn
	err error
}

func newFakeListener() *fakeListener {
	return &fakeListener{
		accepts: make(chan accepted, 16),
		calls:   make(chan struct{}, 16),
		closed:  make(chan struct{}),
	}
}

func (l *fakeListener) Accept() (net.Conn, error) {
	select {
	case l.calls <- struct{}{}:
	default:
	}
	select {
	case a := <-l.accepts:
		return a.nc, a.err
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *fakeListener) Close() error {
	if l.once.CompareAndSwap(false, true) {
		close(l.closed)
	}
	return nil
}

func (l *fakeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

func TestAccept(t *testing.T) {
	acceptErr := func(errno syscall.Errno) error {
		return &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", errno)}
	}
	retried := []struct {
		name string
		err  error
	}{
		{"the process is out of file descriptors", acceptErr(syscall.EMFILE)},
		{"the system is out of file descriptors", acceptErr(syscall.ENFILE)},
		{"a connection was aborted in the backlog", acceptErr(syscall.ECONNABORTED)},
	}
	for _, tc := range retried {
		t.Run("retries when "+tc.name, func(t *testing.T) {
			e := blocking.NewEngine(&netlabtest.Probe{}, netlab.Config{})
			l := newFakeListener()
			server, client := net.Pipe()
			defer client.Close()
			l.accepts <- accepted{err: tc.err}
			l.accepts <- accepted{nc: server}
			nc, err := e.Accept(l)
			require.NoError(t, err, "Accept")
			require.Equal(t, server, nc, "Accept returns the connection after the error")
			nc.Close()
		})
	}

	t.Run("returns any other error, saying where it came from", func(t *testing.T) {
		e := blocking.NewEngine(&netlabtest.Probe{}, netlab.Config{})
		l := newFakeListener()
		boom := errors.New("boom")
		l.accepts <- accepted{err: boom}
		_, err := e.Accept(l)
		require.ErrorIs(t, err, boom, "Accept")
		assert.ErrorContains(t, err, "accept", "the error says where it came from")
	})

	t.Run("returns ErrServerClosed once the engine shuts down, even while retrying", func(t *testing.T) {
		e := blocking.NewEngine(&netlabtest.Probe{}, netlab.Config{})
		l := newFakeListener()
		require.NoError(t, e.Listen(l))
		l.accepts <- accepted{err: acceptErr(syscall.EMFILE)}
		done := make(chan error, 1)
		go func() {
			_, err := e.Accept(l)
			done <- err
		}()
		netlabtest.Await(t, l.calls, "the first Accept")
		netlabtest.Await(t, l.calls, "Accept to retry") // the fd storm goes on
		require.NoError(t, e.Shutdown(t.Context()))
		require.ErrorIs(t, netlabtest.Await(t, done, "Accept to return"), netlab.ErrServerClosed, "Accept")
	})
}

func TestMaxConns(t *testing.T) {
	cases := []struct {
		name string
		busy []byte
	}{
		{"gets the service's busy reply, then the end of the stream", []byte("! server busy\n")},
		{"is closed without a word when the service has no busy reply", nil},
	}
	for _, tc := range cases {
		t.Run("the client beyond the limit "+tc.name, func(t *testing.T) {
			srv := start(t, &netlabtest.Probe{Busy: tc.busy}, netlab.Config{MaxConns: 1})
			first := netlabtest.Dial(t, srv.addr)
			netlabtest.RoundTrip(t, first, "first\n")

			second := netlabtest.Dial(t, srv.addr)
			got, err := io.ReadAll(second)
			require.NoError(t, err, "the second client's read")
			assert.Equal(t, string(tc.busy), string(got), "the second client reads the busy reply, then the end of the stream")
			st := srv.Stats()
			assert.Equal(t, [3]int64{1, 1, 1}, [3]int64{st.Accepted, st.Refused, st.Active}, "Stats accepted, refused, active")
			netlabtest.RoundTrip(t, first, "first, still served\n")

			// Once the first leaves, there is room again.
			first.Close()
			netlabtest.WaitFor(t, "the first connection to be gone", func() bool { return srv.Stats().Active == 0 })
			third := netlabtest.Dial(t, srv.addr)
			netlabtest.RoundTrip(t, third, "third\n")
		})
	}
}

// busyUntilDone is an echo service whose sessions are busy (not idle) from
// a message starting "busy" to one starting "done": a transfer a graceful
// shutdown must not cut short.
func busyUntilDone(closed chan<- error) *netlabtest.Probe {
	var busy sync.Map // netlab.Conn → struct{}{} while its session is busy
	return &netlabtest.Probe{
		OnData: func(c netlab.Conn, p []byte) {
			switch {
			case strings.HasPrefix(string(p), "busy"):
				busy.Store(c, struct{}{})
			case strings.HasPrefix(string(p), "done"):
				busy.Delete(c)
			}
			c.Send(p)
		},
		IsIdle: func(c netlab.Conn) bool {
			_, working := busy.Load(c)
			return !working
		},
		OnClosed: func(_ netlab.Conn, err error) { closed <- err },
	}
}

// shutdown runs Shutdown(ctx) on another goroutine and returns a channel
// that receives its result.
func shutdown(ctx context.Context, srv *server) <-chan error {
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	return done
}

func TestShutdown(t *testing.T) {
	t.Run("closes idle connections at once and returns nil", func(t *testing.T) {
		onClose, closed := netlabtest.Closes()
		srv := start(t, &netlabtest.Probe{OnClosed: onClose}, netlab.Config{})
		a, b := netlabtest.Dial(t, srv.addr), netlabtest.Dial(t, srv.addr)
		netlabtest.RoundTrip(t, a, "a\n")
		netlabtest.RoundTrip(t, b, "b\n")

		done := shutdown(t.Context(), srv)
		// The idle timeout is five minutes: these closes are Shutdown's.
		netlabtest.WaitClosed(t, a)
		netlabtest.WaitClosed(t, b)
		a.Close() // ends the server's linger
		b.Close()
		require.NoError(t, netlabtest.Await(t, done, "Shutdown"), "Shutdown")
		require.ErrorIs(t, srv.served(t), netlab.ErrServerClosed, "the accept loop returned")
		for range 2 {
			assert.NoError(t, netlabtest.Await(t, closed, "Closed"), "Closed")
		}
	})

	t.Run("waits for a busy session to become idle, then closes it", func(t *testing.T) {
		closed := make(chan error, 1)
		srv := start(t, busyUntilDone(closed), netlab.Config{})
		client := netlabtest.Dial(t, srv.addr)
		netlabtest.RoundTrip(t, client, "busy uploading\n")

		done := shutdown(t.Context(), srv)
		require.ErrorIs(t, srv.served(t), netlab.ErrServerClosed, "the accept loop returned")
		// The server no longer accepts, but goes on serving the busy client.
		if c, err := net.Dial("tcp", srv.addr); err == nil {
			c.Close()
			require.Fail(t, "a new client could connect after Shutdown began")
		}
		netlabtest.RoundTrip(t, client, "still uploading\n")
		select {
		case err := <-done:
			require.Fail(t, "Shutdown returned while a session was busy", "it returned %v", err)
		default:
		}

		netlabtest.RoundTrip(t, client, "done\n")
		netlabtest.WaitClosed(t, client)
		client.Close()
		require.NoError(t, netlabtest.Await(t, done, "Shutdown"), "Shutdown")
		assert.NoError(t, netlabtest.Await(t, closed, "Closed"), "Closed")
	})

	// A context that ends cuts the busy session short, and Shutdown says
	// why: the context's error, which the session's Closed wraps too.
	cut := []struct {
		name string
		ctx  func(t *testing.T) (ctx context.Context, end func())
		want error
	}{
		{"cancelled while Shutdown waits", func(t *testing.T) (context.Context, func()) {
			return context.WithCancel(t.Context())
		}, context.Canceled},
		{"already past its deadline", func(t *testing.T) (context.Context, func()) {
			// Cancelling after the deadline changes nothing: Err stays
			// DeadlineExceeded.
			return context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
		}, context.DeadlineExceeded},
	}
	for _, tc := range cut {
		t.Run("cuts a busy session with a context "+tc.name, func(t *testing.T) {
			closed := make(chan error, 1)
			srv := start(t, busyUntilDone(closed), netlab.Config{})
			client := netlabtest.Dial(t, srv.addr)
			netlabtest.RoundTrip(t, client, "busy forever\n")

			ctx, end := tc.ctx(t)
			done := shutdown(ctx, srv)
			require.ErrorIs(t, srv.served(t), netlab.ErrServerClosed, "the accept loop returned")
			end()
			require.ErrorIs(t, netlabtest.Await(t, done, "Shutdown"), tc.want, "Shutdown")
			netlabtest.WaitClosed(t, client)
			assert.ErrorIs(t, netlabtest.Await(t, closed, "Closed"), tc.want, "Closed")
		})
	}

	t.Run("after it, Listen refuses a listener and closes it", func(t *testing.T) {
		srv := start(t, &netlabtest.Probe{}, netlab.Config{})
		require.NoError(t, srv.Shutdown(t.Context()))
		l := listen(t, net.ListenConfig{})
		require.ErrorIs(t, serve(srv.Engine, l), netlab.ErrServerClosed, "serve after Shutdown")
		_, err := l.Accept()
		assert.ErrorIs(t, err, net.ErrClosed, "Accept on the refused listener")
	})
}

func TestCloseClosesEveryConnectionAtOnce(t *testing.T) {
	closed := make(chan error, 2)
	srv := start(t, busyUntilDone(closed), netlab.Config{})
	idle := netlabtest.Dial(t, srv.addr)
	netlabtest.RoundTrip(t, idle, "idle\n")
	working := netlabtest.Dial(t, srv.addr)
	netlabtest.RoundTrip(t, working, "busy\n")

	require.NoError(t, srv.Close(), "Close")
	require.ErrorIs(t, srv.served(t), netlab.ErrServerClosed, "the accept loop returned")
	// Close has returned, so every goroutine is gone: the calls are made.
	for range 2 {
		assert.ErrorIs(t, netlabtest.Await(t, closed, "Closed"), netlab.ErrServerClosed, "Closed")
	}
	netlabtest.WaitClosed(t, idle)
	netlabtest.WaitClosed(t, working)
	if st := srv.Stats(); st.Active != 0 || st.Accepted != 2 {
		assert.Fail(t, "Stats after Close", "%+v, want 2 accepted, 0 active", st)
	}
}
