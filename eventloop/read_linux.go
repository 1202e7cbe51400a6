package eventloop

import (
	"os"

	"golang.org/x/sys/unix"
)

// readSize is the loop's read buffer, lent to every Session.Data call in
// turn. One buffer per loop instead of one per connection is possible
// because a session may only use p during the call (the Session contract):
// input never has to outlive the read.
const readSize = 64 << 10

// read reads what the socket has, once (level triggering reports the rest
// next turn), and hands it to the session.
func (l *loop) read(c *conn) {
	size := len(l.buf)
	if !c.fin {
		// Read no more than the high-water mark: what the session
		// queues in answer can then never pass MaxPending by itself.
		size = min(size, l.s.highWater)
	}
	var n int
	var err error
	for {
		n, err = rawRead(c.fd, l.buf[:size])
		if err != unix.EINTR {
			break
		}
	}
	switch {
	case err == unix.EAGAIN:
		return // reported readable, yet nothing there (it happens): wait for the next report
	case err != nil && c.fin:
		l.finish(c, nil) // a reset while lingering: our side was done anyway
		return
	case err != nil:
		c.fail(os.NewSyscallError("read", err))
		return
	case n == 0:
		l.readEOF(c)
		return
	}
	l.touch(c)
	if c.fin {
		c.discarded += int32(n)
		if c.discarded >= lingerMax {
			l.finish(c, nil)
		}
		return
	}
	c.mu.Lock()
	open := c.state == stateOpen
	c.busy = open // dispatch's write, next, clears it
	c.mu.Unlock()
	if !open {
		return // Close was called: bytes that follow are read only to be dropped
	}
	p := l.buf[:n]
	if l.debugging() {
		l.debug("recv", c, "bytes", n, "data", preview(p))
	}
	l.call(c, func() { c.sess.Data(p) })
}

// readEOF handles a read of zero bytes: the client shut down its sending
// side. EOF is permanent and level triggering would report it every turn, so
// the connection is never read again (settle drops evRead for good).
func (l *loop) readEOF(c *conn) {
	c.eof = true
	if c.fin {
		l.finish(c, nil) // the client's FIN answers ours: the linger is over
		return
	}
	c.mu.Lock()
	open := c.state == stateOpen
	c.mu.Unlock()
	if !open {
		return
	}
	l.debug("recv EOF", c)
	l.call(c, func() { c.sess.EOF() })
	c.Close() // the exchange is over once the session has had its say
}
