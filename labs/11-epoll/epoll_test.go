//go:build linux

package epoll

import (
	"bytes"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/labs/labkit"
	"github.com/netlab-go/netlab/netlabtest"
)

func TestMain(m *testing.M) { labkit.Main(m) }

func serve(t *testing.T) *Server {
	s, err := Listen("127.0.0.1:0")
	require.NoError(t, err)
	labkit.Run(t, "the loop", s.Serve, func() { assert.NoError(t, s.Close()) }, "after Close")
	return s
}

func TestALineIsEchoed(t *testing.T) {
	s := serve(t)
	c, r := labkit.Dial(t, s.Addr())
	labkit.Send(t, c, "hello, loop\n")
	labkit.ExpectLine(t, c, r, "hello, loop", "the loop echoes what it reads")
}

func TestManyClientsOnOneLoop(t *testing.T) {
	s := serve(t)
	var conns []net.Conn
	for range 20 {
		c, _ := labkit.Dial(t, s.Addr())
		conns = append(conns, c)
	}
	for i := len(conns) - 1; i >= 0; i-- {
		labkit.Send(t, conns[i], "ping\n")
		got := make([]byte, 5)
		conns[i].SetReadDeadline(time.Now().Add(labkit.Patience))
		_, err := io.ReadFull(conns[i], got)
		require.NoError(t, err, "client %d of 20 on one loop", i+1)
		assert.Equal(t, "ping\n", string(got))
	}
}

// size is more than the kernel buffers on both sides of a loopback
// connection take in one write, so the loop must wait for EPOLLOUT.
const size = 16 << 20

func TestALargeEchoComesBackWhole(t *testing.T) {
	s := serve(t)
	// The client's send buffer is kept small (the kernel would grow it to
	// megabytes): the Write below returns only once the server has read
	// nearly all of it, so a server slow to start on a busy machine cannot
	// leave the bytes in the kernel until the test begins to read; its
	// echo must meet a full socket.
	c := labkit.DialBuffer(t, s.Addr(), syscall.SO_SNDBUF, 256<<10)
	want := netlabtest.Pattern(size, 11)
	sent := make(chan error, 1)
	go func() {
		c.SetWriteDeadline(time.Now().Add(30 * time.Second))
		_, err := c.Write(want)
		sent <- err
	}()
	// Nothing is read until everything is sent: the echo piles up in the
	// kernel's buffers until they are full and the server's writes meet
	// EAGAIN. The loop must keep reading meanwhile, or this send blocks.
	select {
	case err := <-sent:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		c.Close()
		<-sent
		t.Fatal("the server stopped reading while its replies were not being read")
	}
	got := make([]byte, 0, size)
	buf := make([]byte, 64<<10)
	for len(got) < size {
		c.SetReadDeadline(time.Now().Add(labkit.Patience))
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if labkit.IsTimeout(err) {
			t.Fatalf("%d of %d bytes came back, then nothing for %v: a write on a non-blocking socket may take "+
				"part of the buffer or none (EAGAIN) — keep the rest in c.out, ask for EPOLLOUT, and write it when the loop says",
				len(got), size, labkit.Patience)
		}
		require.NoError(t, err)
	}
	if !bytes.Equal(want, got) {
		netlabtest.SameBytes(t, "the echo", got, want)
	}
}

func TestAClientThatLeavesIsClosed(t *testing.T) {
	s := serve(t)
	c, r := labkit.Dial(t, s.Addr())
	labkit.Send(t, c, "bye\n")
	labkit.ExpectLine(t, c, r, "bye", "the loop echoes what it reads")
	require.NoError(t, c.(*net.TCPConn).CloseWrite())
	c.SetReadDeadline(time.Now().Add(labkit.Patience))
	_, err := r.ReadByte()
	if labkit.IsTimeout(err) {
		t.Fatalf("the client half-closed and the server kept the connection open for %v: "+
			"a read of 0 bytes is the client's FIN — close the connection", labkit.Patience)
	}
	assert.ErrorIs(t, err, io.EOF)
}

func TestClosedConnectionsAreForgotten(t *testing.T) {
	s := serve(t)
	for range 50 {
		c, r := labkit.Dial(t, s.Addr())
		labkit.Send(t, c, "x\n")
		labkit.ExpectLine(t, c, r, "x", "the loop echoes what it reads")
		c.Close()
	}
	deadline := time.Now().Add(labkit.Patience)
	for s.Open() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("50 clients came and left and the loop still holds %d connections: "+
				"close must take the fd out of the epoll set and out of s.conns (s.forget), or a new client "+
				"given the same fd number meets the old one's state", s.Open())
		}
		c, r := labkit.Dial(t, s.Addr()) // an event for the loop, so that it runs
		labkit.Send(t, c, "y\n")
		labkit.ExpectLine(t, c, r, "y", "the loop echoes what it reads")
		c.Close()
	}
}
