package netlabtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
)

// Timeout bounds every wait in the kit: a read that should succeed, an
// event that should happen, a server that should shut down. It is generous
// because -race on a busy two-core machine is slow; a correct server never
// comes near it, and a hung one fails the test instead of hanging it.
const Timeout = 20 * time.Second

// A NewServerFunc makes a server of one model for a service: the shape every
// netlab model's constructor takes once its own options are fixed, such as
//
//	func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
//		return eventloop.New(svc, cfg, eventloop.Options{})
//	}
//
// or, for a constructor that cannot fail, [Infallible](perconn.New).
type NewServerFunc func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error)

// Infallible makes a [NewServerFunc] of a model's constructor that cannot
// fail, such as perconn.New or iterative.New.
func Infallible[S netlab.Server](newServer func(svc netlab.Service, cfg netlab.Config) S) NewServerFunc {
	return func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		return newServer(svc, cfg), nil
	}
}

// A Running server serves on a fresh loopback port until Stop.
type Running struct {
	netlab.Server
	Addr   string     // host:port on 127.0.0.1
	served chan error // what Serve returned
}

// Serve makes a server with newServer and serves svc on a fresh port of
// 127.0.0.1. It is [Start] for code that has no *testing.T, like an
// Example; the caller must Stop it.
func Serve(newServer NewServerFunc, svc netlab.Service, cfg netlab.Config) (*Running, error) {
	srv, err := newServer(svc, cfg)
	if err != nil {
		return nil, fmt.Errorf("netlabtest: new server: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("netlabtest: %w", err)
	}
	return serveOn(srv, l), nil
}

// serveOn runs srv.Serve(l) on a goroutine of its own until [Running.Stop].
func serveOn(srv netlab.Server, l net.Listener) *Running {
	r := &Running{Server: srv, Addr: l.Addr().String(), served: make(chan error, 1)}
	go func() { r.served <- srv.Serve(l) }()
	return r
}

// Stop shuts the server down gracefully, giving sessions up to [Timeout] to
// finish, and waits for Serve to return. It returns the Shutdown error, or
// an error if Serve returned anything but [netlab.ErrServerClosed]. Call it
// once.
func (r *Running) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	shutdown := r.Shutdown(ctx)
	if err := <-r.served; !errors.Is(err, netlab.ErrServerClosed) {
		return fmt.Errorf("netlabtest: Serve returned %v, want ErrServerClosed", err)
	}
	if shutdown != nil {
		return fmt.Errorf("netlabtest: shutdown: %w", shutdown)
	}
	return nil
}

// Start serves svc under the model newServer makes, on a fresh port of
// 127.0.0.1, and returns the address and the server. When the test ends the
// server is shut down, and the test fails unless Shutdown finished within
// [Timeout] and Serve returned [netlab.ErrServerClosed]. A model that cannot
// run here ([netlab.ErrUnsupported]: the epoll model off Linux) skips the
// test.
func Start(t testing.TB, newServer NewServerFunc, svc netlab.Service, cfg netlab.Config) (addr string, srv netlab.Server) {
	t.Helper()
	r, err := Serve(newServer, svc, cfg)
	if errors.Is(err, netlab.ErrUnsupported) {
		t.Skip(err)
	}
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, r.Stop()) })
	return r.Addr, r.Server
}

// Dial connects to addr and closes the connection when the test ends.
// Every read and write on it fails after [Timeout], so a hung server fails
// the test instead of hanging it.
func Dial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, Timeout)
	require.NoError(t, err, "dial %s", addr)
	c.SetDeadline(time.Now().Add(Timeout))
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// StartBare serves a fresh port of 127.0.0.1 the plainest way there is — a
// [BareServer]: a goroutine per connection running handle, no netlab in
// between — and returns its address: the yardstick a benchmark holds a
// model to. When the test ends it closes the listener and every
// connection, which must make handle return, and waits for the goroutines
// ([Serving]).
func StartBare(t testing.TB, handle func(c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	Serving(t, NewBareServer(handle), l)
	return l.Addr().String()
}
