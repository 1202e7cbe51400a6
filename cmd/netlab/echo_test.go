package main

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEchoOverUDP(t *testing.T) {
	t.Run("each line comes back as its own datagram", func(t *testing.T) {
		p := startServe(t, "-model", "perconn", "-service", "echo", "-addr", "127.0.0.1:0", "-udp", "127.0.0.1:0")
		var stdout, stderr strings.Builder
		in := strings.NewReader("hello\nover udp\nno LF at the end")
		err := run(t.Context(), []string{"echo", "-udp", "-addr", p.udpAddr}, in, &stdout, &stderr)
		require.NoError(t, err, stderr.String())
		assert.Equal(t, "hello\nover udp\nno LF at the end", stdout.String())
	})

	t.Run("a datagram with no echo is reported, and the rest are sent", func(t *testing.T) {
		// A socket that reads nothing: the kernel takes the datagrams and
		// nobody answers, as when they are lost.
		silent, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		require.NoError(t, err)
		t.Cleanup(func() { silent.Close() })
		var stdout, stderr strings.Builder
		err = run(t.Context(), []string{"echo", "-udp", "-wait", "50ms", "-addr", silent.LocalAddr().String()}, strings.NewReader("a\nb\n"), &stdout, &stderr)
		require.Error(t, err)
		assert.ErrorContains(t, err, "2 of 2 datagrams got no echo within 50ms")
		assert.Empty(t, stdout.String())
		silent.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 16)
		for _, want := range []string{"a\n", "b\n"} {
			n, _, err := silent.ReadFromUDP(buf)
			require.NoError(t, err)
			assert.Equal(t, want, string(buf[:n]), "sent although the one before got no echo")
		}
	})

	t.Run("a port where nothing listens is refused", func(t *testing.T) {
		closed, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		require.NoError(t, err)
		addr := closed.LocalAddr().String()
		require.NoError(t, closed.Close())
		code, _, stderr := runNetlab(t, "x\n", "echo", "-udp", "-addr", addr)
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "connection refused")
	})
}
