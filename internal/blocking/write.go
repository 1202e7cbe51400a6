package blocking

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// flushLocked writes the head of the queue without waiting, as far as the
// socket takes it, and leaves the rest (and file regions) to the writer.
func (c *Conn) flushLocked() {
	if c.state == stateClosed {
		return
	}
	for len(c.queue) > 0 && !c.writing && c.raw != nil && c.queue[0].f == nil {
		head := &c.queue[0]
		n, err := c.writeNowLocked(head.b)
		if err != nil {
			c.abortLocked(err)
			return
		}
		c.queued -= n
		if n < len(head.b) {
			head.b, head.cost = head.b[n:], head.cost-n
			break // the socket buffer is full
		}
		if head.turn && cap(head.b) <= maxTurnBuf {
			c.turnBuf = head.b[:0]
		}
		c.queue[0] = item{}
		c.queue = c.queue[1:]
	}
	if len(c.queue) == 0 {
		c.queue = c.qarr[:0]
		c.flushIfDoneLocked()
	} else {
		c.wakeWriterLocked()
	}
	c.cond.Broadcast()
}

// writeNowLocked writes as much of p as the socket takes without waiting.
// RawConn.Write calls the function once; returning true tells the runtime
// not to park us until the socket is writable.
func (c *Conn) writeNowLocked(p []byte) (int, error) {
	var n int
	var werr error
	err := c.raw.Write(func(fd uintptr) bool {
		for len(p) > n {
			m, err := syscall.Write(int(fd), p[n:])
			if err == syscall.EINTR {
				continue
			}
			if err == syscall.EAGAIN {
				break // the socket buffer is full: the writer goroutine takes the rest
			}
			if err != nil {
				werr = os.NewSyscallError("write", err)
				break
			}
			n += m
		}
		return true
	})
	if err == nil {
		err = werr
	}
	return n, err
}

// wakeWriterLocked starts the writer goroutine the first time there is
// work for it.
func (c *Conn) wakeWriterLocked() {
	if !c.writer {
		c.writer = true
		c.e.wg.Go(c.writeLoop)
	}
}

// writeLoop drains the queue with blocking writes until the connection is
// closed. Each write has a deadline of the idle timeout, so a client that
// stops reading for that long is dropped instead of holding the goroutine
// forever.
func (c *Conn) writeLoop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for c.state != stateClosed && len(c.queue) == 0 {
			c.cond.Wait()
		}
		if c.state == stateClosed {
			return
		}
		batch, cost := c.takeLocked()
		c.writing = true
		c.mu.Unlock()
		err := c.write(batch)
		c.mu.Lock()
		c.writing = false
		c.queued -= cost
		if err != nil {
			c.abortLocked(err)
			return
		}
		if len(c.queue) == 0 {
			c.queue = c.qarr[:0] // let a burst's backing array go
		}
		c.flushIfDoneLocked()
		c.cond.Broadcast()
	}
}

func (c *Conn) write(batch []item) error {
	it := batch[0]
	timeout := c.e.cfg.IdleTimeout
	deadline := func() {
		if timeout > 0 {
			c.nc.SetWriteDeadline(time.Now().Add(timeout))
		}
	}
	if timeout > 0 {
		// The deadline bounds this write only. Left armed, it would
		// expire while the queue is empty, and Send's direct write on the
		// same descriptor would then fail with "i/o timeout" and drop a
		// connection that is anything but idle.
		defer c.nc.SetWriteDeadline(time.Time{})
	}
	if it.f == nil {
		deadline()
		bufs := make(net.Buffers, 0, len(batch))
		for _, b := range batch {
			bufs = append(bufs, b.b)
		}
		_, err := bufs.WriteTo(c.nc) // writev(2) on a TCP connection
		return err
	}
	defer it.f.Close()
	if _, err := it.f.Seek(it.off, io.SeekStart); err != nil {
		return err
	}
	// io.CopyN hands the socket an *io.LimitedReader over an *os.File,
	// which *net.TCPConn.ReadFrom turns into sendfile(2): the bytes go
	// from the page cache to the socket without passing through us.
	for left := it.n; left > 0; {
		deadline()
		n, err := io.CopyN(c.nc, it.f, min(left, fileChunk))
		left -= n
		// A download in progress is not idle, though the client sends
		// nothing while it lasts: only file regions count as activity
		// on the way out (see lastActive).
		c.lastActive.Store(time.Now().UnixNano())
		if err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("sendfile %s: file shrank by %d bytes", it.f.Name(), left)
			}
			return err
		}
	}
	return nil
}
