package tempconv_test

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/tempconv"
	"github.com/netlab-go/netlab/udp"
)

const timeout = 10 * time.Second

// serveUDP serves the converter over UDP until the test ends.
func serveUDP(t *testing.T) string {
	t.Helper()
	sock, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	netlabtest.Serving(t, udp.New(tempconv.New(), netlab.Config{}, udp.Options{Lines: true}), sock)
	return sock.LocalAddr().String()
}

func TestOverUDP(t *testing.T) {
	addr := serveUDP(t)
	c, err := udp.Dial(t.Context(), addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })

	t.Run("a datagram with one temperature gets one datagram back", func(t *testing.T) {
		for in, want := range map[string]string{"100": "212\n", "-40\n": "-40\n", "36.6\r\n": "97.88\n", "warm": "! not a number\n"} {
			got, err := c.Echo([]byte(in), timeout)
			require.NoError(t, err)
			assert.Equal(t, want, string(got), "for %q", in)
		}
	})

	t.Run("a datagram of several lines gets a datagram per answer", func(t *testing.T) {
		require.NoError(t, c.Send([]byte("0\n100\n-300")))
		for _, want := range []string{"32\n", "212\n", "! out of range\n"} {
			got, err := c.Receive(timeout)
			require.NoError(t, err)
			assert.Equal(t, want, string(got))
		}
	})
}
