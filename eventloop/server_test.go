//go:build linux

package eventloop_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/netlabtest"
)

// serve starts srv on a fresh loopback port and returns the address and a
// channel that receives what Serve returns.
func serve(t testing.TB, srv netlab.Server) (string, <-chan error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	return l.Addr().String(), served
}

// serveDraining serves svc with cfg on one loop, like serve, and returns a
// channel that hears when the loop begins draining.
func serveDraining(t testing.TB, svc netlab.Service, cfg netlab.Config) (srv *eventloop.Server, addr string, served <-chan error, draining <-chan struct{}) {
	t.Helper()
	srv, err := eventloop.New(svc, cfg, eventloop.Options{Loops: 1})
	require.NoError(t, err)
	onDrain, draining := netlabtest.Signal()
	eventloop.SetTestHooks(srv, nil, nil, onDrain)
	addr, served = serve(t, srv)
	return srv, addr, served, draining
}

func TestShutdown(t *testing.T) {
	t.Run("closes idle connections at once and returns nil", func(t *testing.T) {
		srv, err := eventloop.New(echo.New(), netlab.Config{}, eventloop.Options{Loops: 2})
		require.NoError(t, err)
		addr, served := serve(t, srv)
		a, b := netlabtest.Dial(t, addr), netlabtest.Dial(t, addr)
		netlabtest.RoundTrip(t, a, "a\n")
		netlabtest.RoundTrip(t, b, "b\n")
		done := netlabtest.Shutdown(t.Context(), srv)
		netlabtest.WaitClosed(t, a)
		netlabtest.WaitClosed(t, b)
		a.Close() // ends the server's linger: it waits for our FIN
		b.Close()
		require.NoError(t, netlabtest.Await(t, done, "Shutdown"), "Shutdown")
		require.ErrorIs(t, <-served, netlab.ErrServerClosed, "Serve")
		assert.Zero(t, srv.Stats().Active, "Stats.Active after Shutdown")
	})

	t.Run("lets a busy session finish, then closes it", func(t *testing.T) {
		onClose, closed := netlabtest.Closes()
		srv, addr, served, draining := serveDraining(t, netlabtest.BusyEcho(onClose), netlab.Config{})
		c := netlabtest.Dial(t, addr)
		netlabtest.RoundTrip(t, c, "busy\n")
		done := netlabtest.Shutdown(t.Context(), srv)
		netlabtest.Await(t, draining, "the loop to begin draining")
		netlabtest.RoundTrip(t, c, "more work\n") // still served
		netlabtest.RoundTrip(t, c, "done\n")      // now idle: closed
		netlabtest.WaitClosed(t, c)
		c.Close()
		assert.NoError(t, netlabtest.Await(t, closed, "Closed"), "the close was orderly")
		require.NoError(t, netlabtest.Await(t, done, "Shutdown"), "Shutdown")
		<-served
	})

	t.Run("closes a session that becomes idle with no event on its connection", func(t *testing.T) {
		var busy atomic.Bool
		busy.Store(true)
		svc := &netlabtest.Probe{IsIdle: func(netlab.Conn) bool { return !busy.Load() }}
		srv, addr, served, draining := serveDraining(t, svc, netlab.Config{})
		c := netlabtest.Dial(t, addr)
		netlabtest.RoundTrip(t, c, "open\n")
		done := netlabtest.Shutdown(t.Context(), srv)
		netlabtest.Await(t, draining, "the loop to begin draining")
		busy.Store(false) // from outside: the loop is not told
		netlabtest.WaitClosed(t, c)
		c.Close()
		require.NoError(t, netlabtest.Await(t, done, "Shutdown"), "Shutdown")
		<-served
	})

	t.Run("flushes queued output before closing", func(t *testing.T) {
		const size = 8 << 20 // far more than the socket buffers hold
		big := bytes.Repeat([]byte("0123456789abcdef"), size/16)
		onOpen, opened := netlabtest.Signal()
		svc := &netlabtest.Probe{OnOpen: func(c netlab.Conn) {
			c.Send(big)
			onOpen()
		}}
		srv, addr, served, draining := serveDraining(t, svc, netlab.Config{MaxPending: 2 * size})
		c := netlabtest.Dial(t, addr)
		netlabtest.Await(t, opened, "the session to open") // else Shutdown may find it still in the backlog
		done := netlabtest.Shutdown(t.Context(), srv)
		netlabtest.Await(t, draining, "the loop to begin draining")
		got, err := io.ReadAll(c)
		require.NoError(t, err, "read before the close")
		netlabtest.SameBytes(t, "what arrived before the close", got, big)
		c.Close()
		require.NoError(t, netlabtest.Await(t, done, "Shutdown"), "Shutdown")
		<-served
	})

	t.Run("cuts sessions short when the context ends", func(t *testing.T) {
		onClose, closed := netlabtest.Closes()
		srv, addr, served, draining := serveDraining(t, netlabtest.BusyEcho(onClose), netlab.Config{})
		c := netlabtest.Dial(t, addr)
		netlabtest.RoundTrip(t, c, "busy\n")
		ctx, cancel := context.WithCancel(t.Context())
		done := netlabtest.Shutdown(ctx, srv)
		netlabtest.Await(t, draining, "the loop to begin draining")
		cancel()
		require.ErrorIs(t, netlabtest.Await(t, done, "Shutdown"), context.Canceled, "Shutdown")
		netlabtest.WaitClosed(t, c)
		err := netlabtest.Await(t, closed, "Closed")
		assert.ErrorIs(t, err, context.Canceled, "Closed, want the shutdown's cause")
		assert.ErrorContains(t, err, "shut down")
		<-served
	})

	t.Run("then Serve returns ErrServerClosed at once", func(t *testing.T) {
		srv, err := eventloop.New(echo.New(), netlab.Config{}, eventloop.Options{})
		require.NoError(t, err)
		require.NoError(t, srv.Shutdown(t.Context()), "Shutdown of a server never served")
		_, served := serve(t, srv)
		require.ErrorIs(t, <-served, netlab.ErrServerClosed, "Serve after Shutdown")
	})
}

func TestClose(t *testing.T) {
	onClose, closed := netlabtest.Closes()
	srv, err := eventloop.New(netlabtest.BusyEcho(onClose), netlab.Config{}, eventloop.Options{Loops: 2})
	require.NoError(t, err)
	addr, served := serve(t, srv)
	c := netlabtest.Dial(t, addr)
	netlabtest.RoundTrip(t, c, "busy\n")
	require.NoError(t, srv.Close(), "Close")
	// Close returned: every loop has stopped, so Closed was called.
	select {
	case err := <-closed:
		assert.ErrorIs(t, err, netlab.ErrServerClosed, "Closed")
	default:
		assert.Fail(t, "Close returned before the session was told")
	}
	netlabtest.WaitClosed(t, c)
	require.ErrorIs(t, <-served, netlab.ErrServerClosed, "Serve")
	require.NoError(t, srv.Close(), "second Close")
}
