package labkit

import (
	"bufio"
	"errors"
	"io"
	"net"
)

// Accept is the loop of an iterative server: it accepts a connection on l,
// calls handle with it on the accepting goroutine, and accepts the next
// once handle has returned, until l is closed. It returns nil once l is
// closed — that is how a server is told to stop — and Accept's error if it
// fails otherwise. It waits for nothing handle started: a handle that
// serves each client on a goroutine of its own leaves its caller to wait
// for those.
//
// In Python it is
//
//	while True:
//	    conn, addr = s.accept()
//	    handle(conn)
func Accept(l net.Listener, handle func(net.Conn)) error {
	for {
		c, err := l.Accept()
		if err != nil {
			return unlessClosed(err)
		}
		handle(c)
	}
}

// Datagrams is the loop of a UDP server: it reads a datagram of up to size
// bytes on pc (recvfrom) and calls handle with it and the address it came
// from, on the reading goroutine, until pc is closed; then it returns nil.
// p is valid only until handle returns: the next datagram is read into the
// same buffer.
func Datagrams(pc net.PacketConn, size int, handle func(p []byte, from net.Addr)) error {
	buf := make([]byte, size)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return unlessClosed(err)
		}
		handle(buf[:n], from)
	}
}

// Echo sends every line c sends back to it, as it comes, until c ends
// its side or a write fails. It is the echo service of the labs whose
// lesson is who runs it, and how many at once.
func Echo(c io.ReadWriter) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			if _, werr := c.Write(line); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// unlessClosed is what a serving loop returns when its socket fails with
// err: nil if the socket was closed, which is how it is told to stop, and
// err otherwise.
func unlessClosed(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
