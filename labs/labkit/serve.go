package labkit

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Listen returns a listener on a fresh port of 127.0.0.1.
func Listen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return l
}

// Go runs serve(l) on a goroutine and returns l's address. When the test
// ends — after the clients it dialed are closed, since cleanups run last
// first — it closes l and fails unless serve returned within [Patience]:
// a server owns its goroutines and waits for them.
func Go(t testing.TB, l net.Listener, serve func(net.Listener) error) string {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- serve(l) }()
	t.Cleanup(func() {
		l.Close()
		select {
		case err := <-done:
			assert.NoError(t, err, "Serve's result once its listener is closed")
		case <-time.After(Patience):
			t.Errorf("Serve did not return %v after its listener was closed and its clients had left: it must stop accepting and wait for the connections it serves", Patience)
		}
	})
	return l.Addr().String()
}
