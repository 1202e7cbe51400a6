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

// ListenUDP returns a UDP socket on a fresh port of 127.0.0.1, closed when
// the test ends.
func ListenUDP(t testing.TB) *net.UDPConn {
	t.Helper()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	return pc
}

// Go runs serve(l) on a goroutine and returns l's address. When the test
// ends — after the clients it dialed are closed, since cleanups run last
// first — it closes l and fails unless serve returned nil within
// [Patience]: a server owns its goroutines and waits for them.
func Go(t testing.TB, l net.Listener, serve func(net.Listener) error) string {
	t.Helper()
	Run(t, "Serve", func() error { return serve(l) }, func() { l.Close() },
		"after its listener was closed and its clients had left: it must stop accepting and wait for the connections it serves")
	return l.Addr().String()
}

// GoUDP runs serve on a goroutine with a UDP socket of its own, on a fresh
// port of 127.0.0.1, and returns the socket's address. When the test ends
// it closes the socket and fails unless serve returned nil within
// [Patience].
func GoUDP(t testing.TB, serve func(net.PacketConn) error) string {
	t.Helper()
	pc := ListenUDP(t)
	Run(t, "Serve", func() error { return serve(pc) }, func() { pc.Close() }, "after its socket was closed")
	return pc.LocalAddr().String()
}

// Run runs f — a lab's Serve, its client's Chat — on a goroutine of its
// own. When the test ends it calls stop, which tells f to end (closes its
// socket, ends its keyboard), and then waits for f as [Returned] does:
// name is what f is called in the failure, after what stop did.
func Run(t testing.TB, name string, f func() error, stop func(), after string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	t.Cleanup(func() {
		stop()
		Returned(t, done, name, after)
	})
}

// Returned fails the test unless the function whose result done carries
// returns nil within [Patience]: "NAME did not return 2s AFTER". It marks
// the test failed and goes on, so that it may run in a cleanup.
func Returned(t testing.TB, done <-chan error, name, after string) {
	t.Helper()
	select {
	case err := <-done:
		assert.NoError(t, err, "what %s returned", name)
	case <-time.After(Patience):
		t.Errorf("%s did not return %v %s", name, Patience, after)
	}
}
