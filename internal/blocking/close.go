package blocking

import (
	"io"
	"time"
)

// linger waits for the queue to drain after Close, then reads and discards
// what the client still sends until it closes or lingerTime passes, and
// closes the socket. Closing a socket with unread input makes the kernel send
// a reset, and a reset can destroy the reply the client has not read yet
// (the "ERR" to a PUT whose payload is still arriving).
func (c *Conn) linger(sawEOF bool) {
	c.mu.Lock()
	for c.state == stateClosing && !c.flushed {
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
	c.abort(nil)
}

// finish ends the connection in the order a client can rely on: its place
// under MaxConns is freed, the session hears Closed, and only then is the
// socket closed. It waits for nothing: the writer goroutine, if any, exits by
// itself once the state is closed.
func (c *Conn) finish() {
	c.abort(nil) // no-op if already closed; otherwise an orderly end
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

// shutdown asks the connection to close as soon as it is quiescent. It wakes
// a reader blocked in Read by moving its deadline to now.
func (c *Conn) shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shuttingDown.Store(true)
	// Only an open connection's reader needs waking. A closing one is
	// lingering on its own deadline, and cutting that short would close
	// the socket with unread input: a reset instead of a clean close.
	if c.state == stateOpen {
		c.pokeLocked()
	}
}

// abort closes the socket now, dropping whatever is queued. err says why (nil
// after an orderly close). The first call wins.
func (c *Conn) abort(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.abortLocked(err)
}

func (c *Conn) abortLocked(err error) {
	if c.state == stateClosed {
		return
	}
	c.state = stateClosed
	c.err = err
	for _, it := range c.queue {
		if it.f != nil {
			it.f.Close()
		}
	}
	c.queue, c.queued = nil, 0
	// Wake the reader and the writer, wherever they are blocked, but leave
	// closing the socket to finish: the client must not see the close
	// before the session has heard of it (chat's "* NAME left" is then
	// already on its way, and the name is free again).
	c.nc.SetDeadline(time.Now())
	c.cond.Broadcast()
}

// flushIfDoneLocked sends FIN once a closing connection's queue is empty.
func (c *Conn) flushIfDoneLocked() {
	if c.state != stateClosing || len(c.queue) > 0 || c.writing || c.flushed {
		return
	}
	c.flushed = true
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.cond.Broadcast()
}
