package netlabtest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/netlab-go/netlab"
)

// A Servable is a server that serves on a socket of type L until it is shut
// down: every netlab model (L is [net.Listener]), and the transports that
// are not streams, such as the UDP server (L is *net.UDPConn).
type Servable[L any] interface {
	Serve(l L) error
	Shutdown(ctx context.Context) error
}

// Serving runs srv.Serve(l) on a goroutine for the length of the test. When
// the test ends it shuts srv down, giving sessions up to [Timeout] to
// finish, and fails the test unless Shutdown succeeded and Serve returned
// [netlab.ErrServerClosed]. It is [Start] for a server the test has built
// itself, on a socket it has opened itself.
func Serving[L any](t testing.TB, srv Servable[L], l L) {
	t.Helper()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		// t.Context is already done when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx), "shutdown")
		assert.ErrorIs(t, <-served, netlab.ErrServerClosed, "what Serve returned")
	})
}
