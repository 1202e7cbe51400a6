package blocking

import (
	"errors"
	"io"
	"net"
	"os"
	"time"
)

// The blocking engine's timers are the socket's deadlines: the read deadline
// for the idle timeout (and to wake the reader), the write deadline for a
// client that stops reading, and the linger's read deadline (close.go).

// touch records activity on the connection: it is not idle (see
// lastActive).
func (c *Conn) touch() { c.lastActive.Store(time.Now().UnixNano()) }

// idleFor returns how long the connection has been idle.
func (c *Conn) idleFor() time.Duration {
	return time.Since(time.Unix(0, c.lastActive.Load()))
}

// armReadDeadlineLocked sets the read deadline for the idle timeout, or
// clears it when there is none.
//
// Moving a deadline costs a trip through the runtime's timer heap, so it is
// moved only when it has passed or has fallen more than an eighth of the
// timeout behind the last activity, not on every read. It always stands at
// lastActive+t or earlier; when it fires early, the reader sees the
// connection was not idle and reads on.
func (c *Conn) armReadDeadlineLocked() {
	t := c.e.cfg.IdleTimeout
	if t <= 0 {
		if !c.armed.IsZero() {
			c.armed = time.Time{}
			c.nc.SetReadDeadline(time.Time{})
		}
		return
	}
	want := time.Unix(0, c.lastActive.Load()).Add(t)
	if c.armed.IsZero() || !time.Now().Before(c.armed) || want.Sub(c.armed) > t/8 {
		c.armed = want
		c.nc.SetReadDeadline(want)
	}
}

// wakeReaderLocked moves the read deadline to now, so that a reader blocked
// in Read returns and looks at the connection's state.
func (c *Conn) wakeReaderLocked() {
	c.armed = time.Time{}
	c.nc.SetReadDeadline(time.Now())
}

// armWriteDeadline gives the write about to start one idle timeout to make
// progress.
func (c *Conn) armWriteDeadline() {
	if t := c.e.cfg.IdleTimeout; t > 0 {
		c.nc.SetWriteDeadline(time.Now().Add(t))
	}
}

// isTimeout reports whether err is a deadline passing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// watchCopy keeps the idle rule for a file region being copied to the
// socket in one call: a download making progress is not idle, one that
// makes none for the idle timeout is. Progress is read from the file's
// position, which sendfile(2) moves each time the socket takes more bytes
// (on Linux; elsewhere the runtime moves it when a copy ends, so sendFile
// copies in chunks there: copyChunk). Every quarter of the timeout a
// goroutine looks: if the position moved it touches the connection; if it
// has not moved for the whole timeout, it sets the write deadline to now,
// and the copy fails as a stalled write does. It needs no help from the
// client's pace, and costs the copy nothing.
//
// stop ends the watch and waits for its goroutine; the caller clears the
// write deadline afterwards (write does).
func (c *Conn) watchCopy(f *os.File, from int64) (stop func()) {
	t := c.e.cfg.IdleTimeout
	if t <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	exited := make(chan struct{})
	c.e.wg.Go(func() {
		defer close(exited)
		tick := time.NewTicker(t / 4)
		defer tick.Stop()
		last, moved := from, time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				// Seek does not wait for the copy: it takes no lock the
				// copy holds, and lseek(2) only reads the position.
				pos, err := f.Seek(0, io.SeekCurrent)
				switch {
				case err == nil && pos != last:
					last, moved = pos, now
					c.touch()
				case now.Sub(moved) >= t:
					c.nc.SetWriteDeadline(now) // the copy returns "i/o timeout"
					return
				}
			}
		}
	})
	return func() {
		close(done)
		<-exited
	}
}
