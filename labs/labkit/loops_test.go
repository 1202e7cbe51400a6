package labkit_test

import (
	"bufio"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/labs/labkit"
	"github.com/netlab-go/netlab/netlabtest"
)

// failing is a listener whose Accept fails with err.
type failing struct {
	net.Listener
	err error
}

func (f failing) Accept() (net.Conn, error) { return nil, f.err }

func TestAccept(t *testing.T) {
	t.Run("it serves one client at a time, on the accepting goroutine", func(t *testing.T) {
		handled := make(chan string, 2)
		release := make(chan struct{})
		addr := labkit.Go(t, labkit.Listen(t), func(l net.Listener) error {
			return labkit.Accept(l, func(c net.Conn) {
				defer c.Close()
				line, _ := bufio.NewReader(c).ReadString('\n')
				handled <- line
				<-release
			})
		})
		first, _ := labkit.Dial(t, addr)
		second, _ := labkit.Dial(t, addr)
		labkit.Send(t, first, "first\n")
		labkit.Send(t, second, "second\n")
		assert.Equal(t, "first\n", netlabtest.Await(t, handled, "the first client handled"))
		select {
		case line := <-handled:
			t.Fatalf("the second client was handled (%q) while handle still held the first", line)
		default:
		}
		close(release)
		assert.Equal(t, "second\n", netlabtest.Await(t, handled, "the second client handled once handle returned for the first"))
	})
	t.Run("a closed listener ends it with nil", func(t *testing.T) {
		l := labkit.Listen(t)
		require.NoError(t, l.Close())
		assert.NoError(t, labkit.Accept(l, func(net.Conn) { t.Error("handle called") }))
	})
	t.Run("any other failure of Accept is returned", func(t *testing.T) {
		l := labkit.Listen(t)
		t.Cleanup(func() { l.Close() })
		boom := errors.New("boom")
		assert.ErrorIs(t, labkit.Accept(failing{l, boom}, func(net.Conn) {}), boom)
	})
}

func TestDatagrams(t *testing.T) {
	got := make(chan string, 1)
	addr := labkit.GoUDP(t, func(pc net.PacketConn) error {
		return labkit.Datagrams(pc, 5, func(p []byte, from net.Addr) {
			pc.WriteTo(append([]byte("re: "), p...), from)
			got <- string(p)
		})
	})
	c, err := net.Dial("udp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	_, err = c.Write([]byte("hello, world"))
	require.NoError(t, err)
	assert.Equal(t, "hello", netlabtest.Await(t, got, "the datagram handled"), "a datagram longer than size is cut to it")
	buf := make([]byte, 64)
	c.SetReadDeadline(time.Now().Add(labkit.Patience))
	n, err := c.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "re: hello", string(buf[:n]), "the reply went to the address the datagram came from")
}

func TestEcho(t *testing.T) {
	addr := labkit.Go(t, labkit.Listen(t), func(l net.Listener) error {
		return labkit.Accept(l, func(c net.Conn) {
			defer c.Close()
			labkit.Echo(c)
		})
	})
	c, r := labkit.Dial(t, addr)
	labkit.Send(t, c, "one\ntwo\n")
	labkit.ExpectLine(t, c, r, "one", "Echo sends each line back")
	labkit.ExpectLine(t, c, r, "two", "Echo sends each line back")
	labkit.Send(t, c, "no LF")
	require.NoError(t, c.(*net.TCPConn).CloseWrite())
	rest, err := labkit.ReadLine(c, r, labkit.Patience)
	assert.Equal(t, "no LF", rest, "a last line without LF is echoed too")
	assert.Error(t, err, "and then the connection ends")
}
