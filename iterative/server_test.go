package iterative_test

import (
	"context"
	"io"
	"net"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/iterative"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Shutdown on the iterative model, while a client is in the middle of
// something: the server stops accepting at once (the client waiting in the
// listen backlog is turned away unserved), lets the busy client finish,
// closes it once it is idle, and only then does Serve — which was inside
// that client's session all along — return ErrServerClosed.
func TestShutdownLetsTheClientBeingServedFinish(t *testing.T) {
	onClose, closes := netlabtest.Closes()
	srv := iterative.New(netlabtest.BusyEcho(onClose), netlab.Config{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()

	first := netlabtest.Dial(t, addr)
	netlabtest.RoundTrip(t, first, "busy uploading\n")
	second := netlabtest.Dial(t, addr)
	_, err = second.Write([]byte("second, waiting\n"))
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), netlabtest.Timeout)
	defer cancel()
	done := netlabtest.Shutdown(ctx, srv)

	// Shutdown closes the listener, and the kernel resets the connections
	// still in its backlog: the second client is never served.
	got, err := io.ReadAll(second)
	if !netlabtest.IsReset(err) {
		require.NoError(t, err, "the waiting client's read")
	}
	require.Empty(t, got, "the waiting client is closed unanswered")

	// The first client is still served, and Shutdown waits for it.
	netlabtest.RoundTrip(t, first, "still uploading\n")
	select {
	case err := <-done:
		require.FailNow(t, "Shutdown returned while the client being served was busy", "%v", err)
	case err := <-served:
		require.FailNow(t, "Serve returned while it was serving a busy client", "%v", err)
	default:
	}

	// Once it is idle, the server closes it, and everything winds down.
	netlabtest.RoundTrip(t, first, "done\n")
	netlabtest.WaitClosed(t, first)
	first.Close() // ends the server's linger
	require.NoError(t, netlabtest.Await(t, done, "Shutdown"))
	require.ErrorIs(t, netlabtest.Await(t, served, "Serve"), netlab.ErrServerClosed)
	assert.NoError(t, netlabtest.Await(t, closes, "Closed"), "the session's end")
	st := srv.Stats()
	assert.EqualValues(t, 1, st.Accepted, "accepted: the second never was")
	assert.Zero(t, st.Active, "active")

	// A stopped server stays stopped.
	l2, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.ErrorIs(t, srv.Serve(l2), netlab.ErrServerClosed)
}
