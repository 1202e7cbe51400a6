package udp_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/udp"
)

// timeout bounds every wait: a datagram that should arrive, a server that
// should stop. A correct server never comes near it, even under -race.
const timeout = 10 * time.Second

// start serves svc over UDP on a fresh loopback port until the test ends,
// and fails the test unless Serve then returns ErrServerClosed.
func start(t testing.TB, svc netlab.Service, cfg netlab.Config, o udp.Options) (string, *udp.Server) {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	srv := udp.New(svc, cfg, o)
	netlabtest.Serving(t, srv, c)
	return c.LocalAddr().String(), srv
}

// startChat serves a fresh chat room over UDP, a datagram per line, until
// the test ends.
func startChat(t testing.TB) (string, *udp.Server) {
	t.Helper()
	return start(t, chat.New(chat.Options{}), netlab.Config{}, udp.Options{Lines: true})
}

// dial makes a UDP client of addr, closed when the test ends.
func dial(t *testing.T, addr string) *udp.Client {
	t.Helper()
	c, err := udp.Dial(t.Context(), addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// send sends s as one datagram.
func send(t *testing.T, c *udp.Client, s string) {
	t.Helper()
	require.NoError(t, c.Send([]byte(s)))
}

// join greets a chat room with an empty line, which a room over UDP takes
// for hello, and expects the welcome the peer gets as name.
func join(t *testing.T, c *udp.Client, name string) {
	t.Helper()
	send(t, c, "\n")
	expect(t, c, true, "* welcome "+name+"\n")
}

// expect reads datagrams until they add up to as many bytes as want and
// checks they are want. With lines set, it also checks that every datagram
// is exactly one line ending in LF.
func expect(t *testing.T, c *udp.Client, lines bool, want string) {
	t.Helper()
	var got strings.Builder
	for got.Len() < len(want) {
		d, err := c.Receive(timeout)
		require.NoError(t, err, "waiting for %q, got %q", want, got.String())
		if lines {
			require.Truef(t, strings.HasSuffix(string(d), "\n") && strings.Count(string(d), "\n") == 1,
				"datagram %q is not one line", d)
		}
		got.Write(d)
	}
	assert.Equal(t, want, got.String())
}
