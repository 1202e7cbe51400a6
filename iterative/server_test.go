package iterative_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/conformance"
	"github.com/netlab-go/netlab/iterative"
)

// busyUntilDone is an echo service whose sessions are busy (not idle) from a
// message starting "busy" to one starting "done": a transfer that a graceful
// shutdown must let finish.
type busyUntilDone struct {
	closed chan error // each session's Closed
}

func (s *busyUntilDone) Open(c netlab.Conn) netlab.Session {
	return &busySession{s: s, c: c}
}

type busySession struct {
	s *busyUntilDone
	c netlab.Conn

	mu   sync.Mutex
	busy bool // guarded by mu
}

func (bs *busySession) Data(p []byte) {
	bs.mu.Lock()
	switch {
	case strings.HasPrefix(string(p), "busy"):
		bs.busy = true
	case strings.HasPrefix(string(p), "done"):
		bs.busy = false
	}
	bs.mu.Unlock()
	bs.c.Send(p)
}

func (bs *busySession) Idle() bool {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return !bs.busy
}

func (bs *busySession) EOF()             {}
func (bs *busySession) Closed(err error) { bs.s.closed <- err }

// Shutdown on the iterative model, while a client is in the middle of
// something: the server stops accepting at once (the client waiting in the
// listen backlog is turned away unserved), lets the busy client finish,
// closes it once it is idle, and only then does Serve — which was inside
// that client's session all along — return ErrServerClosed.
func TestShutdownLetsTheClientBeingServedFinish(t *testing.T) {
	svc := &busyUntilDone{closed: make(chan error, 2)}
	srv := iterative.New(svc, netlab.Config{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()

	first := conformance.Dial(t, addr)
	roundTrip(t, first, "busy uploading\n")
	second := conformance.Dial(t, addr)
	if _, err := second.Write([]byte("second, waiting\n")); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), conformance.Timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()

	// Shutdown closes the listener, and the kernel resets the connections
	// still in its backlog: the second client is never served.
	if got, err := io.ReadAll(second); len(got) > 0 || (err != nil && !isReset(err)) {
		t.Fatalf("the waiting client read %q (%v), want its connection closed unanswered", got, err)
	}

	// The first client is still served, and Shutdown waits for it.
	roundTrip(t, first, "still uploading\n")
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v while the client being served was busy", err)
	case err := <-served:
		t.Fatalf("Serve returned %v while it was serving a busy client", err)
	default:
	}

	// Once it is idle, the server closes it, and everything winds down.
	roundTrip(t, first, "done\n")
	conformance.WaitClosed(t, first)
	first.Close() // ends the server's linger
	if err := recv(t, done, "Shutdown"); err != nil {
		t.Fatalf("Shutdown: %v, want nil", err)
	}
	if err := recv(t, served, "Serve"); !errors.Is(err, netlab.ErrServerClosed) {
		t.Fatalf("Serve returned %v, want ErrServerClosed", err)
	}
	if err := recv(t, svc.closed, "Closed"); err != nil {
		t.Errorf("Closed(%v), want nil", err)
	}
	if st := srv.Stats(); st.Accepted != 1 || st.Active != 0 {
		t.Errorf("Stats() = %+v, want 1 accepted (the second never was), 0 active", st)
	}

	// A stopped server stays stopped.
	l2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(l2); !errors.Is(err, netlab.ErrServerClosed) {
		t.Fatalf("Serve after Shutdown returned %v, want ErrServerClosed", err)
	}
}

func roundTrip(t testing.TB, c net.Conn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatalf("send %q: %v", msg, err)
	}
	got := make([]byte, len(msg))
	if n, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("got %q (%v), want %q", got[:n], err, msg)
	}
}

func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// recv waits for a value on ch, failing the test after conformance.Timeout.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), conformance.Timeout)
	defer cancel()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
