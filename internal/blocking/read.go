package blocking

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// readSize is the most a connection reads at once: the size of the buffers
// it borrows for a read (readbuf.go).
const readSize = 16 << 10

// Serve runs the connection's session to the end: it reads until the client
// leaves, the session closes, the idle timeout fires or the server shuts
// down, then closes the socket, reports Closed to the session and returns.
func (c *Conn) Serve() {
	defer c.e.served()
	log := c.e.log
	log.Debug("open", "peer", c.peer)
	if !c.turn(func() { c.sess = c.e.svc.Open(c) }) {
		c.finish()
		return
	}
	c.updateIdle()

	read := c.readFunc()
	idleTimeout := c.e.cfg.IdleTimeout
	sawEOF := false
	for !sawEOF {
		if !c.backpressure() {
			break
		}
		p, done, err := read()
		if len(p) > 0 {
			c.touch()
			ok := c.deliver(p)
			done()
			if !ok {
				break
			}
		}
		if err == nil {
			continue
		}
		if !c.isOpen() {
			break // Close woke us: go flush and linger
		}
		switch {
		case errors.Is(err, io.EOF):
			log.Debug("recv EOF", "peer", c.peer)
			sawEOF = true
			c.turn(c.sess.EOF)
			c.Close() // the exchange is over once the session had its say
		case isTimeout(err):
			if c.draining.Load() {
				c.updateIdle() // the session may have become idle without new bytes
				if c.quiescent() {
					c.Close() // the server's requestClose takes effect here
					break
				}
			}
			if idle := c.idleFor(); idleTimeout > 0 && idle >= idleTimeout {
				log.Debug("idle timeout", "peer", c.peer, "idle", idle.Round(time.Millisecond))
				c.fail(fmt.Errorf("idle for %v", idleTimeout))
			}
			// Otherwise the deadline was cut short by requestClose, or the
			// writer is busy with a long download: read on.
		default:
			c.fail(err)
		}
	}
	c.linger(sawEOF)
	c.finish()
}

// readFunc returns how Serve reads: into a buffer borrowed for each read
// (readbuf.go) when the connection has a descriptor, so that waiting costs
// no buffer; into one of its own otherwise. done returns the buffer.
func (c *Conn) readFunc() func() (p []byte, done func(), err error) {
	if c.raw != nil {
		r := newReader(c.raw, c.highWater)
		return func() ([]byte, func(), error) {
			p, err := r.read()
			return p, r.done, err
		}
	}
	buf := make([]byte, min(readSize, c.highWater))
	nop := func() {}
	return func() ([]byte, func(), error) {
		n, err := c.nc.Read(buf)
		return buf[:n], nop, err
	}
}

// deliver hands p to the session unless the connection is already closing
// (bytes after Close are read only to be discarded). It reports whether the
// connection is still open.
func (c *Conn) deliver(p []byte) bool {
	if !c.isOpen() {
		return false
	}
	if c.e.log.Enabled(context.Background(), slog.LevelDebug) {
		c.e.log.Debug("recv", "peer", c.peer, "bytes", len(p), "data", preview(p))
	}
	c.turn(func() { c.sess.Data(p) })
	c.updateIdle()
	if c.draining.Load() && c.quiescent() {
		c.Close() // the server's requestClose takes effect here
	}
	return c.isOpen()
}

// turn runs session code on the reader's goroutine and then writes what it
// queued. While the turn lasts, Send only queues — for the session's own
// replies and for anything other goroutines send meanwhile — and when it
// ends the reader writes the queue out itself with non-blocking writes. An
// echo reply thus costs one write(2) on the goroutine that read the request,
// with no hand-off to the writer goroutine, which only takes over what the
// socket would not accept at once.
func (c *Conn) turn(f func()) bool {
	c.mu.Lock()
	c.inTurn = true
	c.mu.Unlock()
	ok := c.call(f)
	c.mu.Lock()
	c.inTurn = false
	c.flushLocked()
	c.mu.Unlock()
	return ok
}

// backpressure blocks while the output queue is above the high-water mark:
// a client that sends but does not read stops being read from, and the
// kernel's flow control pushes back on it. It then arms the read deadline
// and reports whether the connection is still open.
//
// The deadline is set under mu because Close and requestClose move it to
// "now" under mu to wake a blocked Read: were it set outside, a wake-up
// landing between our state check and our Read would be overwritten and
// lost.
func (c *Conn) backpressure() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.state == stateOpen && c.out.cost > c.highWater {
		c.cond.Wait()
	}
	if c.state != stateOpen {
		return false
	}
	if c.draining.Load() && c.quiescentLocked() {
		c.wakeReaderLocked() // the Read returns at once, and Serve closes
	} else {
		c.armReadDeadlineLocked()
	}
	return true
}
