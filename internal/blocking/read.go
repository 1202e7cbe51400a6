package blocking

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
)

const (
	// readSize is the most a connection reads at once. It is also the
	// per-connection buffer every blocking model pays for, idle or not.
	readSize = 16 << 10

	// lingerTime bounds how long a closing connection keeps reading (and
	// discarding) so that the client's kernel does not answer our close
	// with a reset that destroys the last reply in flight.
	lingerTime = 2 * time.Second

	// fileChunk is how much of a file region one sendfile call may send
	// before the write deadline is moved on: a long download is not idle.
	// A client that takes longer than the idle timeout to accept one chunk
	// counts as idle, so the chunk is small: at 128 KiB a five-minute
	// timeout spares a client reading 440 bytes a second, where 4 MiB would
	// cut off one reading 14 kB/s. The extra calls are lost in the noise
	// of the copy on loopback.
	fileChunk = 128 << 10
)

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

	buf := make([]byte, min(readSize, c.highWater))
	idleTimeout := c.e.cfg.IdleTimeout
	sawEOF := false
	for !sawEOF {
		if !c.waitRoom() {
			break
		}
		n, err := c.nc.Read(buf)
		if n > 0 {
			c.lastActive.Store(time.Now().UnixNano())
			if !c.deliver(buf[:n]) {
				break
			}
		}
		if err == nil {
			continue
		}
		if c.State() != stateOpen {
			break // Close woke us: go flush and linger
		}
		switch {
		case errors.Is(err, io.EOF):
			log.Debug("recv EOF", "peer", c.peer)
			sawEOF = true
			c.turn(c.sess.EOF)
			c.Close() // the exchange is over once the session had its say
		case isTimeout(err):
			if c.shuttingDown.Load() {
				c.updateIdle() // the session may have become idle without new bytes
			}
			if c.shuttingDown.Load() && c.quiescent() {
				c.Close()
				break
			}
			if since := time.Since(time.Unix(0, c.lastActive.Load())); idleTimeout > 0 && since >= idleTimeout {
				log.Debug("idle timeout", "peer", c.peer, "idle", since.Round(time.Millisecond))
				c.abort(fmt.Errorf("idle for %v", idleTimeout))
			}
			// Otherwise the deadline was cut short by Shutdown, or the
			// writer is busy with a long download: read on.
		default:
			c.abort(err)
		}
	}
	c.linger(sawEOF)
	c.finish()
}

// deliver hands p to the session unless the connection is already closing
// (bytes after Close are read only to be discarded). It reports whether the
// connection is still open.
func (c *Conn) deliver(p []byte) bool {
	if c.State() != stateOpen {
		return false
	}
	if c.e.log.Enabled(context.Background(), slog.LevelDebug) {
		c.e.log.Debug("recv", "peer", c.peer, "bytes", len(p), "data", preview(p))
	}
	c.turn(func() { c.sess.Data(p) })
	c.updateIdle()
	if c.shuttingDown.Load() && c.quiescent() {
		c.Close()
	}
	return c.State() == stateOpen
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

// waitRoom blocks while the output queue is above the high-water mark: the
// backpressure point. A client that sends but does not read stops being read
// from, and the kernel's flow control pushes back on it. It then arms the
// read deadline for the idle timeout and reports whether the connection is
// still open.
//
// The deadline is set under mu because Close and shutdown move it to "now"
// under mu to wake a blocked Read: were it set outside, a wake-up landing
// between our state check and our Read would be overwritten and lost.
func (c *Conn) waitRoom() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.state == stateOpen && c.queued > c.highWater {
		c.cond.Wait()
	}
	if c.state != stateOpen {
		return false
	}
	switch t := c.e.cfg.IdleTimeout; {
	case c.shuttingDown.Load() && len(c.queue) == 0 && !c.writing && c.idle.Load():
		c.pokeLocked()
	case t > 0:
		// Moving a deadline costs a trip through the runtime's timer heap,
		// so it is moved only when it has passed or has fallen more than
		// an eighth of the timeout behind the last activity, not on every
		// read. It always stands at lastActive+t or earlier; when it fires
		// early, the reader sees the connection was not idle and comes
		// back here.
		want := time.Unix(0, c.lastActive.Load()).Add(t)
		if c.armed.IsZero() || !time.Now().Before(c.armed) || want.Sub(c.armed) > t/8 {
			c.armed = want
			c.nc.SetReadDeadline(want)
		}
	default:
		if !c.armed.IsZero() {
			c.armed = time.Time{}
			c.nc.SetReadDeadline(time.Time{})
		}
	}
	return true
}
