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

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/blocking"
	"github.com/netlab-go/netlab/internal/conformance"
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
			e := blocking.NewEngine(&probe{}, netlab.Config{})
			l := newFakeListener()
			server, client := net.Pipe()
			defer client.Close()
			l.accepts <- accepted{err: tc.err}
			l.accepts <- accepted{nc: server}
			nc, err := e.Accept(l)
			if err != nil || nc != server {
				t.Fatalf("Accept = %v, %v; want the connection after the error", nc, err)
			}
			nc.Close()
		})
	}

	t.Run("returns any other error, saying where it came from", func(t *testing.T) {
		e := blocking.NewEngine(&probe{}, netlab.Config{})
		l := newFakeListener()
		boom := errors.New("boom")
		l.accepts <- accepted{err: boom}
		if _, err := e.Accept(l); !errors.Is(err, boom) || !strings.Contains(err.Error(), "accept") {
			t.Fatalf("Accept: %v, want boom, wrapped", err)
		}
	})

	t.Run("returns ErrServerClosed once the engine shuts down, even while retrying", func(t *testing.T) {
		e := blocking.NewEngine(&probe{}, netlab.Config{})
		l := newFakeListener()
		if err := e.Listen(l); err != nil {
			t.Fatal(err)
		}
		l.accepts <- accepted{err: acceptErr(syscall.EMFILE)}
		done := make(chan error, 1)
		go func() {
			_, err := e.Accept(l)
			done <- err
		}()
		recv(t, l.calls, "the first Accept")
		recv(t, l.calls, "Accept to retry") // the fd storm goes on
		if err := e.Shutdown(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := recv(t, done, "Accept to return"); !errors.Is(err, netlab.ErrServerClosed) {
			t.Fatalf("Accept: %v, want ErrServerClosed", err)
		}
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
			srv := start(t, &probe{busy: tc.busy}, netlab.Config{MaxConns: 1})
			first := conformance.Dial(t, srv.addr)
			roundTrip(t, first, "first\n")

			second := conformance.Dial(t, srv.addr)
			got, err := io.ReadAll(second)
			if err != nil || string(got) != string(tc.busy) {
				t.Fatalf("the second client read %q (%v), want %q and the end of the stream", got, err, tc.busy)
			}
			if st := srv.Stats(); st.Accepted != 1 || st.Refused != 1 || st.Active != 1 {
				t.Errorf("Stats() = %+v, want 1 accepted, 1 refused, 1 active", st)
			}
			roundTrip(t, first, "first, still served\n")

			// Once the first leaves, there is room again.
			first.Close()
			eventually(t, "the first connection to be gone", func() bool { return srv.Stats().Active == 0 })
			third := conformance.Dial(t, srv.addr)
			roundTrip(t, third, "third\n")
		})
	}
}

// busyUntilDone is an echo service whose sessions are busy (not idle) from
// a message starting "busy" to one starting "done": a transfer a graceful
// shutdown must not cut short.
func busyUntilDone(closed chan<- error) *probe {
	var busy sync.Map // netlab.Conn → struct{}{} while its session is busy
	return &probe{
		data: func(c netlab.Conn, p []byte) {
			switch {
			case strings.HasPrefix(string(p), "busy"):
				busy.Store(c, struct{}{})
			case strings.HasPrefix(string(p), "done"):
				busy.Delete(c)
			}
			c.Send(p)
		},
		idle: func(c netlab.Conn) bool {
			_, working := busy.Load(c)
			return !working
		},
		closed: func(_ netlab.Conn, err error) { closed <- err },
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
		onClose, closed := closes()
		srv := start(t, &probe{closed: onClose}, netlab.Config{})
		a, b := conformance.Dial(t, srv.addr), conformance.Dial(t, srv.addr)
		roundTrip(t, a, "a\n")
		roundTrip(t, b, "b\n")

		done := shutdown(t.Context(), srv)
		// The idle timeout is five minutes: these closes are Shutdown's.
		conformance.WaitClosed(t, a)
		conformance.WaitClosed(t, b)
		a.Close() // ends the server's linger
		b.Close()
		if err := recv(t, done, "Shutdown"); err != nil {
			t.Fatalf("Shutdown: %v, want nil", err)
		}
		if err := srv.served(t); !errors.Is(err, netlab.ErrServerClosed) {
			t.Fatalf("the accept loop returned %v, want ErrServerClosed", err)
		}
		for range 2 {
			if err := recv(t, closed, "Closed"); err != nil {
				t.Errorf("Closed(%v), want nil", err)
			}
		}
	})

	t.Run("waits for a busy session to become idle, then closes it", func(t *testing.T) {
		closed := make(chan error, 1)
		srv := start(t, busyUntilDone(closed), netlab.Config{})
		client := conformance.Dial(t, srv.addr)
		roundTrip(t, client, "busy uploading\n")

		done := shutdown(t.Context(), srv)
		if err := srv.served(t); !errors.Is(err, netlab.ErrServerClosed) {
			t.Fatalf("the accept loop returned %v, want ErrServerClosed", err)
		}
		// The server no longer accepts, but goes on serving the busy client.
		if c, err := net.Dial("tcp", srv.addr); err == nil {
			c.Close()
			t.Fatal("a new client could connect after Shutdown began")
		}
		roundTrip(t, client, "still uploading\n")
		select {
		case err := <-done:
			t.Fatalf("Shutdown returned %v while a session was busy", err)
		default:
		}

		roundTrip(t, client, "done\n")
		conformance.WaitClosed(t, client)
		client.Close()
		if err := recv(t, done, "Shutdown"); err != nil {
			t.Fatalf("Shutdown: %v, want nil", err)
		}
		if err := recv(t, closed, "Closed"); err != nil {
			t.Errorf("Closed(%v), want nil", err)
		}
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
			client := conformance.Dial(t, srv.addr)
			roundTrip(t, client, "busy forever\n")

			ctx, end := tc.ctx(t)
			done := shutdown(ctx, srv)
			if err := srv.served(t); !errors.Is(err, netlab.ErrServerClosed) {
				t.Fatalf("the accept loop returned %v, want ErrServerClosed", err)
			}
			end()
			if err := recv(t, done, "Shutdown"); !errors.Is(err, tc.want) {
				t.Fatalf("Shutdown: %v, want %v", err, tc.want)
			}
			conformance.WaitClosed(t, client)
			if err := recv(t, closed, "Closed"); !errors.Is(err, tc.want) {
				t.Errorf("Closed(%v), want an error wrapping %v", err, tc.want)
			}
		})
	}

	t.Run("after it, Listen refuses a listener and closes it", func(t *testing.T) {
		srv := start(t, &probe{}, netlab.Config{})
		if err := srv.Shutdown(t.Context()); err != nil {
			t.Fatal(err)
		}
		l := listen(t, net.ListenConfig{})
		if err := serve(srv.Engine, l); !errors.Is(err, netlab.ErrServerClosed) {
			t.Fatalf("serve after Shutdown: %v, want ErrServerClosed", err)
		}
		if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept on the refused listener: %v, want net.ErrClosed", err)
		}
	})
}

func TestCloseClosesEveryConnectionAtOnce(t *testing.T) {
	closed := make(chan error, 2)
	srv := start(t, busyUntilDone(closed), netlab.Config{})
	idle := conformance.Dial(t, srv.addr)
	roundTrip(t, idle, "idle\n")
	working := conformance.Dial(t, srv.addr)
	roundTrip(t, working, "busy\n")

	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := srv.served(t); !errors.Is(err, netlab.ErrServerClosed) {
		t.Fatalf("the accept loop returned %v, want ErrServerClosed", err)
	}
	// Close has returned, so every goroutine is gone: the calls are made.
	for range 2 {
		if err := recv(t, closed, "Closed"); !errors.Is(err, netlab.ErrServerClosed) {
			t.Errorf("Closed(%v), want ErrServerClosed", err)
		}
	}
	conformance.WaitClosed(t, idle)
	conformance.WaitClosed(t, working)
	if st := srv.Stats(); st.Active != 0 || st.Accepted != 2 {
		t.Errorf("Stats() = %+v, want 2 accepted, 0 active", st)
	}
}
