package eventloop

import (
	"time"

	"golang.org/x/sys/unix"
)

// lingerTime bounds how long a closing connection keeps reading (and
// discarding) after its FIN, and lingerMax how much, so that the client's
// kernel does not answer our close with a reset that destroys the last reply
// in flight. The same as the blocking engine's.
const (
	lingerTime = 2 * time.Second
	lingerMax  = 1 << 20
)

// sendFIN sends FIN once everything queued is in the kernel: the client
// reads all of it, then end of stream. Unless the client has already closed
// its side, the connection then lingers, reading and discarding, until the
// client closes too or lingerTime passes.
func (l *loop) sendFIN(c *conn) {
	c.fin = true
	if err := unix.Shutdown(c.fd, unix.SHUT_WR); err != nil {
		l.finish(c, nil) // ENOTCONN: the client reset the connection; nothing to linger for
		return
	}
	if c.eof {
		l.finish(c, nil)
		return
	}
	l.idle.remove(c)
	c.lastActive = l.now
	l.linger.pushBack(c)
}

// finish closes c's socket now, drops whatever is queued, and reports the end
// to the session. err says why, unless c already failed for a reason of its
// own (an overflow, a panic, a write error), which wins.
//
// The session hears of it before the descriptor is released, so that by the
// time the client can see the close (a chat member's socket reads end of
// stream), the session has already done what Closed does (left the room):
// nobody who saw the close can still find it there.
func (l *loop) finish(c *conn, err error) {
	if c.done {
		return
	}
	c.done = true
	c.mu.Lock()
	c.failLocked(err)
	err = c.err
	c.mu.Unlock()

	if c.list != nil {
		c.list.remove(c)
	}
	l.conns.remove(c)
	if rerr := l.poller.remove(c.fd); rerr != nil {
		l.s.log.Error("eventloop: unregister connection", "peer", c.RemoteAddr(), "err", rerr)
	}
	l.release(c)
	if c.sess != nil {
		l.call(c, func() { c.sess.Closed(err) })
	}
	// Never retry close(2), not even after EINTR: Linux releases the
	// descriptor whatever close returns, and by the time we retried, the
	// number might belong to a socket another goroutine just accepted.
	unix.Close(c.fd)
	l.debug("closed", c, "err", err)
}

// release stops counting c: its slot under MaxConns is free from now on. finish
// calls it before Closed, so that whoever Closed tells (a chat room, a test)
// may count on the slot being free.
func (l *loop) release(c *conn) {
	l.load.Add(-1)
	if !c.refused {
		l.s.counts.Active.Add(-1)
	}
}

// failLocked marks c closed with err, unless it already is, and drops its
// queue. The loop closes the socket when it next looks at c: only the loop
// may close it.
func (c *conn) failLocked(err error) {
	if c.state == stateClosed {
		return
	}
	c.state = stateClosed
	c.err = err
	c.out.release()
}

// fail is failLocked for callers that do not hold mu.
func (c *conn) fail(err error) {
	c.mu.Lock()
	c.failLocked(err)
	c.mu.Unlock()
}
