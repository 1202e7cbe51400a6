package blocking_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/netlabtest"
)

func TestShutdown(t *testing.T) {
	t.Run("closes idle connections at once and returns nil", func(t *testing.T) {
		onClose, closed := netlabtest.Closes()
		srv := start(t, &netlabtest.Probe{OnClosed: onClose}, netlab.Config{})
		a, b := netlabtest.Dial(t, srv.addr), netlabtest.Dial(t, srv.addr)
		netlabtest.RoundTrip(t, a, "a\n")
		netlabtest.RoundTrip(t, b, "b\n")

		done := netlabtest.Shutdown(t.Context(), srv)
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
		onClose, closed := netlabtest.Closes()
		srv := start(t, netlabtest.BusyEcho(onClose), netlab.Config{})
		client := netlabtest.Dial(t, srv.addr)
		netlabtest.RoundTrip(t, client, "busy uploading\n")

		done := netlabtest.Shutdown(t.Context(), srv)
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
			onClose, closed := netlabtest.Closes()
			srv := start(t, netlabtest.BusyEcho(onClose), netlab.Config{})
			client := netlabtest.Dial(t, srv.addr)
			netlabtest.RoundTrip(t, client, "busy forever\n")

			ctx, end := tc.ctx(t)
			done := netlabtest.Shutdown(ctx, srv)
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
	onClose, closed := netlabtest.Closes()
	srv := start(t, netlabtest.BusyEcho(onClose), netlab.Config{})
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
	st := srv.Stats()
	assert.EqualValues(t, 2, st.Accepted, "Stats.Accepted")
	assert.Zero(t, st.Active, "Stats.Active after Close")
}
