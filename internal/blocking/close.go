package blocking

import (
	"io"
	"time"
)

// lingerTime bounds how long a closing connection keeps reading (and
// discarding) after its FIN, so that the client's kernel does not answer our
// close with a reset that destroys the last reply in flight. The same as the
// event loop's.
const lingerTime = 2 * time.Second

// requestClose asks the connection to close as soon as it is quiescent: the
// server is draining. It wakes a reader blocked in Read, which then looks.
func (c *Conn) requestClose() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.draining.Store(true)
	// Only an open connection's reader needs waking. A closing one is
	// lingering on its own deadline, and cutting that short would close
	// the socket with unread input: a reset instead of a clean close.
	if c.state == stateOpen {
		c.wakeReaderLocked()
	}
}

// sendFINLocked sends FIN once a closing connection's queue is flushed: the
// client reads everything, then end of stream. Before that, and after, it
// does nothing.
func (c *Conn) sendFINLocked() {
	if c.state != stateClosing || !c.out.empty() || c.writing || c.finSent {
		return
	}
	c.finSent = true
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.cond.Broadcast()
}

// linger waits for the queue to drain after Close and FIN to go out, then
// reads and discards what the client still sends until it closes or
// lingerTime passes. Closing a socket with unread input makes the kernel send
// a reset, and a reset can destroy the reply the client has not read yet
// (the "ERR" to a PUT whose payload is still arriving).
func (c *Conn) linger(sawEOF bool) {
	c.mu.Lock()
	for c.state == stateClosing && !c.finSent {
		c.cond.Wait()
	}
	closing := c.state == stateClosing
	c.mu.Unlock()
	if closing && !sawEOF {
		// Bounded by time, not bytes: a client still streaming a refused
		// upload must not get its reset before it could read the ERR.
		c.nc.SetReadDeadline(time.Now().Add(lingerTime))
		io.Copy(io.Discard, c.nc)
	}
	c.fail(nil)
}

// fail ends the connection now, dropping whatever is queued. err says why
// (nil after an orderly close). The first call wins.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failLocked(err)
}

func (c *Conn) failLocked(err error) {
	if c.state == stateClosed {
		return
	}
	c.state = stateClosed
	c.err = err
	c.out.release()
	// Wake the reader and the writer, wherever they are blocked, but leave
	// closing the socket to finish: the client must not see the close
	// before the session has heard of it (chat's "* NAME left" is then
	// already on its way, and the name is free again).
	c.nc.SetDeadline(time.Now())
	c.cond.Broadcast()
}

// finish ends the connection in the order a client can rely on: its place
// under MaxConns is released, the session hears Closed, and only then is the
// socket closed. It waits for nothing: the writer goroutine, if any, exits by
// itself once the state is closed.
func (c *Conn) finish() {
	c.fail(nil) // no-op if already closed; otherwise an orderly end
	c.e.release(c)
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	if c.sess != nil {
		c.call(func() { c.sess.Closed(err) })
	}
	c.nc.Close()
	c.e.log.Debug("closed", "peer", c.peer, "err", err)
}
