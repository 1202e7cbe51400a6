package netlabtest_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/netlabtest"
)

func TestBareServer(t *testing.T) {
	t.Run("echoes every client and closes them all at Close", func(t *testing.T) {
		srv := netlabtest.NewBareServer(netlabtest.BareEcho)
		running := netlabtest.Loopback(srv)
		a, b := netlabtest.Dial(t, running.Addr), netlabtest.Dial(t, running.Addr)
		netlabtest.RoundTrip(t, a, "from a\n")
		netlabtest.RoundTrip(t, b, "from b\n")
		require.NoError(t, running.Stop(), "Serve returned ErrServerClosed")
		netlabtest.WaitClosed(t, a)
		netlabtest.WaitClosed(t, b)
	})

	t.Run("after Close, Serve closes the listener and returns ErrServerClosed", func(t *testing.T) {
		srv := netlabtest.NewBareServer(netlabtest.BareEcho)
		require.NoError(t, srv.Close())
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		assert.ErrorIs(t, srv.Serve(l), netlab.ErrServerClosed)
		_, err = l.Accept()
		assert.ErrorIs(t, err, net.ErrClosed)
	})
}

func TestBusyEcho(t *testing.T) {
	onClosed, closed := netlabtest.Closes()
	svc := netlabtest.BusyEcho(onClosed)
	a, b := netlabtest.NewConn(), netlabtest.NewConn()
	sa, sb := svc.Open(a), svc.Open(b)
	idle := func(s netlab.Session) bool { return s.(netlab.Idler).Idle() }

	sa.Data([]byte("busy uploading\n"))
	assert.Equal(t, "busy uploading\n", a.Take(), "it echoes")
	assert.False(t, idle(sa), "busy after busy")
	assert.True(t, idle(sb), "each connection is busy on its own")
	sa.Data([]byte("done\n"))
	assert.True(t, idle(sa), "idle after done")

	sa.Closed(nil)
	sb.Closed(netlab.ErrServerClosed)
	assert.NoError(t, netlabtest.Next(t, closed, "a's Closed"))
	assert.ErrorIs(t, netlabtest.Next(t, closed, "b's Closed"), netlab.ErrServerClosed)
}
