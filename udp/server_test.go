package udp_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/udp"
)

func TestEcho(t *testing.T) {
	addr, _ := start(t, echo.New(), netlab.Config{}, udp.Options{})

	t.Run("every datagram comes back unchanged, up to the largest IPv4 can carry", func(t *testing.T) {
		c := dial(t, addr)
		for _, n := range []int{0, 1, 512, 1472, 9000, 65000, udp.MaxDatagram} {
			p := bytes.Repeat([]byte{byte(n)}, n)
			got, err := c.Echo(p, timeout)
			require.NoError(t, err, "%d bytes", n)
			assert.Equal(t, p, got, "%d bytes", n)
		}
	})

	t.Run("a socket on every address answers IPv4 and IPv6 peers alike", func(t *testing.T) {
		// Go listens on a dual-stack IPv6 socket for a wildcard address;
		// an IPv4 peer is then reached through its mapped address.
		sock, err := net.ListenUDP("udp", &net.UDPAddr{})
		require.NoError(t, err)
		srv := udp.New(echo.New(), netlab.Config{}, udp.Options{})
		served := make(chan error, 1)
		go func() { served <- srv.Serve(sock) }()
		t.Cleanup(func() {
			assert.NoError(t, srv.Close())
			assert.ErrorIs(t, <-served, netlab.ErrServerClosed)
		})
		port := strconv.Itoa(sock.LocalAddr().(*net.UDPAddr).Port)
		hosts := []string{"127.0.0.1"}
		if probe, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback}); err == nil {
			probe.Close()
			hosts = append(hosts, "::1")
		}
		for _, host := range hosts {
			got, err := dial(t, net.JoinHostPort(host, port)).Echo([]byte(host), timeout)
			require.NoError(t, err, host)
			assert.Equal(t, host, string(got))
		}
	})

	t.Run("a larger datagram is refused by the sender's kernel and the server goes on", func(t *testing.T) {
		c := dial(t, addr)
		err := c.Send(make([]byte, udp.MaxDatagram+1))
		require.Error(t, err)
		got, err := c.Echo([]byte("still here"), timeout)
		require.NoError(t, err)
		assert.Equal(t, "still here", string(got))
	})

	t.Run("each peer is a session of its own, counted as a connection", func(t *testing.T) {
		addr, srv := start(t, echo.New(), netlab.Config{}, udp.Options{}) // no earlier peer's port to reuse
		a, b := dial(t, addr), dial(t, addr)
		for range 3 {
			for _, c := range []*udp.Client{a, b} {
				got, err := c.Echo([]byte(c.LocalAddr().String()), timeout)
				require.NoError(t, err)
				assert.Equal(t, c.LocalAddr().String(), string(got))
			}
		}
		assert.Equal(t, int64(2), srv.Stats().Accepted)
		assert.Zero(t, srv.Lost())
	})

	t.Run("a peer costs no goroutine: five hundred are served by the one loop", func(t *testing.T) {
		// A server of its own: an earlier peer's port, once closed, may be
		// handed to a new client, which the server would take for the same peer.
		addr, srv := start(t, echo.New(), netlab.Config{}, udp.Options{})
		before := runtime.NumGoroutine()
		for range 500 {
			c := dial(t, addr)
			_, err := c.Echo([]byte("x"), timeout)
			require.NoError(t, err)
		}
		assert.Equal(t, int64(500), srv.Stats().Active)
		assert.LessOrEqual(t, runtime.NumGoroutine(), before)
	})
}

func TestChat(t *testing.T) {
	t.Run("a datagram's lines are read one by one, and its last needs no LF", func(t *testing.T) {
		addr, _ := startChat(t)
		a, b := dial(t, addr), dial(t, addr)
		send(t, a, "\n")
		expect(t, a, true, "* welcome guest-1\n")
		send(t, b, "hi from a first datagram")
		expect(t, b, true, "* welcome guest-2\n")
		expect(t, a, true, "* guest-2 joined\nguest-2: hi from a first datagram\n")
		send(t, a, "one\r\ntwo\nthree")
		expect(t, b, true, "guest-1: one\nguest-1: two\nguest-1: three\n")
	})

	// One peer alone in a room: each datagram it sends, and what it then
	// hears.
	alone := []struct {
		name             string
		script           [][2]string
		accepted, active int64
	}{
		{"a line too long is refused and the peer stays", [][2]string{
			{strings.Repeat("x", chat.MaxLine+1), "* welcome guest-1\n! line too long\n"},
			{"/who\n", "* online: guest-1\n"},
		}, 1, 1},
		{"after /quit the next datagram from the same address is a newcomer", [][2]string{
			{"/quit\n/who\n", "* welcome guest-1\n* bye\n"},
			{"/who\n", "* welcome guest-2\n* online: guest-2\n"},
		}, 2, 1},
	}
	for _, tc := range alone {
		t.Run(tc.name, func(t *testing.T) {
			addr, srv := startChat(t)
			a := dial(t, addr)
			for _, step := range tc.script {
				send(t, a, step[0])
				expect(t, a, true, step[1])
			}
			st := srv.Stats()
			assert.Equal(t, tc.accepted, st.Accepted, "sessions opened")
			assert.Equal(t, tc.active, st.Active, "sessions open")
		})
	}
}

func TestBusy(t *testing.T) {
	addr, srv := start(t, chat.New(chat.Options{}), netlab.Config{MaxConns: 1}, udp.Options{Lines: true})
	a, b := dial(t, addr), dial(t, addr)
	join(t, a, "guest-1")

	t.Run("a new address beyond MaxConns is told busy once and then ignored", func(t *testing.T) {
		send(t, b, "hello?\n")
		expect(t, b, true, "! server busy\n")
		send(t, b, "anyone?\n")
		// A is alone: had B's second datagram reached the room, A would
		// hear it before its own /who answer.
		send(t, a, "/who\n")
		expect(t, a, true, "* online: guest-1\n")
		assert.Equal(t, int64(1), srv.Stats().Refused)
	})

	t.Run("once a peer leaves, the refused address is served", func(t *testing.T) {
		send(t, a, "/quit\n")
		expect(t, a, true, "* bye\n")
		join(t, b, "guest-2") // a welcome, not a second busy
	})
}

// startTCP serves svc under the reference model on loopback until the test
// ends and returns a line reader and the connection of one client.
func startTCP(t *testing.T, svc netlab.Service) (*bufio.Reader, net.Conn) {
	t.Helper()
	addr, _ := netlabtest.Start(t, models.Reference().With(models.Flags{}), svc, netlab.Config{})
	c := netlabtest.Dial(t, addr)
	return bufio.NewReader(c), c
}

func readLine(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	got, err := r.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestMixedRoom(t *testing.T) {
	t.Run("a TCP client and a UDP peer of one chat service share one room", func(t *testing.T) {
		svc := chat.New(chat.Options{})
		tcp, tc := startTCP(t, svc)
		readLine(t, tcp, "* welcome guest-1\n")
		addr, _ := start(t, svc, netlab.Config{}, udp.Options{Lines: true})
		u := dial(t, addr)
		join(t, u, "guest-2")
		readLine(t, tcp, "* guest-2 joined\n")
		send(t, u, "hello over UDP\n")
		readLine(t, tcp, "guest-2: hello over UDP\n")
		_, err := tc.Write([]byte("/nick tina\nhello over TCP\n/who\n"))
		require.NoError(t, err)
		readLine(t, tcp, "* you are tina\n")
		expect(t, u, true, "* guest-1 is now tina\ntina: hello over TCP\n")
		readLine(t, tcp, "* online: guest-2 tina\n")
		send(t, u, "/quit\n")
		expect(t, u, true, "* bye\n")
		readLine(t, tcp, "* guest-2 left\n")
	})

	t.Run("a UDP peer that falls silent leaves the room after the idle timeout", func(t *testing.T) {
		svc := chat.New(chat.Options{})
		tcp, _ := startTCP(t, svc)
		readLine(t, tcp, "* welcome guest-1\n")
		addr, _ := start(t, svc, netlab.Config{IdleTimeout: 100 * time.Millisecond}, udp.Options{Lines: true})
		u := dial(t, addr)
		join(t, u, "guest-2")
		readLine(t, tcp, "* guest-2 joined\n")
		readLine(t, tcp, "* guest-2 left\n")
		// The session is gone: the same address comes back as a newcomer.
		send(t, u, "back\n")
		expect(t, u, true, "* welcome guest-3\n")
		readLine(t, tcp, "* guest-3 joined\n")
		readLine(t, tcp, "guest-3: back\n")
	})
}

func TestLostDatagram(t *testing.T) {
	t.Run("a lost datagram is simply lost and the room goes on", func(t *testing.T) {
		addr, _ := startChat(t)
		// A talks to the server through a relay that drops what contains "lost".
		a := dial(t, relay(t, addr, func(p []byte) bool { return bytes.Contains(p, []byte("lost")) }))
		b := dial(t, addr)
		join(t, a, "guest-1")
		join(t, b, "guest-2")
		expect(t, a, true, "* guest-2 joined\n")

		// From the server to A: the middle line never arrives, and
		// nothing says so.
		send(t, b, "one\nlost two\nthree\n")
		expect(t, a, true, "guest-2: one\nguest-2: three\n")
		// From A to the server: B hears only what got through.
		send(t, a, "lost on the way\n")
		send(t, a, "made it\n")
		expect(t, b, true, "guest-1: made it\n")
	})
}

// relay forwards datagrams between one client and the server at addr,
// dropping those for which drop says true, in both directions. It returns
// the address the client should use.
func relay(t *testing.T, addr string, drop func([]byte) bool) string {
	t.Helper()
	front, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	back, err := net.Dial("udp", addr)
	require.NoError(t, err)
	client := make(chan net.Addr, 1)
	done := make(chan struct{}, 2)
	go func() { // client to server; the first datagram says who the client is
		defer func() { done <- struct{}{} }()
		buf := make([]byte, 1<<16)
		known := false
		for {
			n, from, err := front.ReadFrom(buf)
			if err != nil {
				return
			}
			if !known {
				known = true
				client <- from
			}
			if !drop(buf[:n]) {
				back.Write(buf[:n])
			}
		}
	}()
	go func() { // server to client
		defer func() { done <- struct{}{} }()
		buf := make([]byte, 1<<16)
		var to net.Addr
		for {
			n, err := back.Read(buf)
			if err != nil {
				return
			}
			if to == nil {
				to = <-client
			}
			if !drop(buf[:n]) {
				front.WriteTo(buf[:n], to)
			}
		}
	}()
	t.Cleanup(func() {
		front.Close()
		back.Close()
		<-done
		<-done
	})
	return front.LocalAddr().String()
}

func TestSends(t *testing.T) {
	t.Run("a line said in pieces goes out as one datagram, and lines said together as several", func(t *testing.T) {
		svc := &netlabtest.Probe{OnData: func(c netlab.Conn, p []byte) {
			c.Send([]byte("hel"))
			c.Send([]byte("lo\nwor"))
			c.Send([]byte("ld\nand more\n"))
		}}
		addr, _ := start(t, svc, netlab.Config{}, udp.Options{Lines: true})
		c := dial(t, addr)
		send(t, c, "go\n")
		for _, want := range []string{"hello\n", "world\n", "and more\n"} {
			got, err := c.Receive(timeout)
			require.NoError(t, err)
			assert.Equal(t, want, string(got))
		}
	})

	t.Run("a line that passes MaxPending before its LF drops the peer", func(t *testing.T) {
		sent := make(chan error, 1)
		closed, closes := netlabtest.Closes()
		svc := &netlabtest.Probe{OnData: func(c netlab.Conn, p []byte) { sent <- c.Send(make([]byte, 100)) }, OnClosed: closed}
		addr, srv := start(t, svc, netlab.Config{MaxPending: 64}, udp.Options{Lines: true})
		c := dial(t, addr)
		send(t, c, "go\n")
		assert.ErrorIs(t, <-sent, netlab.ErrOverflow)
		assert.ErrorIs(t, netlabtest.Await(t, closes, "the dropped session's Closed"), netlab.ErrOverflow)
		assert.Equal(t, int64(1), srv.Stats().Dropped)
	})

	t.Run("Close sends an unfinished line, then Send says the connection is closed", func(t *testing.T) {
		after := make(chan error, 1)
		closed, closes := netlabtest.Closes()
		svc := &netlabtest.Probe{OnData: func(c netlab.Conn, p []byte) {
			c.Send([]byte("no LF"))
			c.Close()
			after <- c.Send([]byte("late\n"))
		}, OnClosed: closed}
		addr, _ := start(t, svc, netlab.Config{}, udp.Options{Lines: true})
		c := dial(t, addr)
		send(t, c, "go\n")
		got, err := c.Receive(timeout)
		require.NoError(t, err)
		assert.Equal(t, "no LF", string(got))
		assert.ErrorIs(t, <-after, netlab.ErrConnClosed)
		assert.NoError(t, netlabtest.Await(t, closes, "the closed session's Closed"))
	})

	t.Run("a file region is refused and its file closed", func(t *testing.T) {
		f, err := os.Open(os.DevNull)
		require.NoError(t, err)
		sent := make(chan error, 1)
		svc := &netlabtest.Probe{OnData: func(c netlab.Conn, p []byte) { sent <- c.SendFile(f, 0, 1) }}
		addr, _ := start(t, svc, netlab.Config{}, udp.Options{})
		send(t, dial(t, addr), "get")
		assert.Error(t, <-sent)
		assert.ErrorIs(t, f.Close(), os.ErrClosed)
	})
}

func TestIsolation(t *testing.T) {
	t.Run("a session that panics ends alone and the loop serves the others", func(t *testing.T) {
		closed, closes := netlabtest.Closes()
		svc := &netlabtest.Probe{OnData: func(c netlab.Conn, p []byte) {
			if string(p) == "boom" {
				panic("boom")
			}
			c.Send(p)
		}, OnClosed: closed}
		addr, srv := start(t, svc, netlab.Config{}, udp.Options{})
		a, b := dial(t, addr), dial(t, addr)
		send(t, a, "boom")
		assert.ErrorContains(t, netlabtest.Await(t, closes, "the panicked session's Closed"), "panicked")
		got, err := b.Echo([]byte("fine"), timeout)
		require.NoError(t, err)
		assert.Equal(t, "fine", string(got))
		assert.Equal(t, int64(1), srv.Stats().Panics)
	})
}

func TestShutdown(t *testing.T) {
	t.Run("every session hears Closed and Serve returns ErrServerClosed", func(t *testing.T) {
		closed, closes := netlabtest.Closes()
		svc := &netlabtest.Probe{OnClosed: closed}
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		require.NoError(t, err)
		srv := udp.New(svc, netlab.Config{}, udp.Options{})
		served := make(chan error, 1)
		go func() { served <- srv.Serve(c) }()
		for range 3 {
			p := dial(t, c.LocalAddr().String())
			_, err := p.Echo([]byte("hi"), timeout)
			require.NoError(t, err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		defer cancel()
		require.NoError(t, srv.Shutdown(ctx))
		assert.ErrorIs(t, <-served, netlab.ErrServerClosed)
		for range 3 {
			assert.ErrorIs(t, netlabtest.Await(t, closes, "a session's Closed at shutdown"), netlab.ErrServerClosed)
		}
		assert.Zero(t, srv.Stats().Active)
		assert.NoError(t, srv.Close(), "Close after Shutdown")
	})

	t.Run("a server shut down before Serve closes the socket at once", func(t *testing.T) {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		require.NoError(t, err)
		srv := udp.New(echo.New(), netlab.Config{}, udp.Options{})
		require.NoError(t, srv.Close())
		assert.ErrorIs(t, srv.Serve(c), netlab.ErrServerClosed)
		_, _, err = c.ReadFrom(make([]byte, 1))
		assert.True(t, errors.Is(err, net.ErrClosed))
	})
}
