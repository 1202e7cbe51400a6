package blocking_test

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"

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
			assert.EqualValues(t, 1, st.Accepted, "Stats.Accepted")
			assert.EqualValues(t, 1, st.Refused, "Stats.Refused")
			assert.EqualValues(t, 1, st.Active, "Stats.Active")
			netlabtest.RoundTrip(t, first, "first, still served\n")

			// Once the first leaves, there is room again.
			first.Close()
			netlabtest.WaitFor(t, "the first connection to be gone", func() bool { return srv.Stats().Active == 0 })
			third := netlabtest.Dial(t, srv.addr)
			netlabtest.RoundTrip(t, third, "third\n")
		})
	}
}
