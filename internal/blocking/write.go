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

// flushLocked ends the reader's turn: it writes the head of the queue
// without waiting, as far as the socket takes it, and leaves the rest (and
// file regions) to the writer goroutine.
func (c *Conn) flushLocked() {
	if c.state == stateClosed {
		return
	}
	for !c.out.empty() && !c.writing && c.raw != nil && c.out.head().f == nil {
		n, err := c.writeNowLocked(c.out.head().b)
		if err != nil {
			c.failLocked(err)
			return
		}
		if !c.out.advance(n) {
			break // the socket buffer is full
		}
	}
	if c.out.empty() {
		c.sendFINLocked()
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

// writeLoop is the writer goroutine: it drains the queue with blocking
// writes until the connection is closed. Each write has a deadline of the
// idle timeout, so a client that stops reading for that long is dropped
// instead of holding the goroutine forever.
func (c *Conn) writeLoop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for c.state != stateClosed && c.out.empty() {
			c.cond.Wait()
		}
		if c.state == stateClosed {
			return
		}
		batch, cost := c.out.take()
		c.writing = true
		c.mu.Unlock()
		err := c.write(batch)
		c.mu.Lock()
		c.writing = false
		c.out.sent(cost)
		if err != nil {
			c.failLocked(err)
			return
		}
		c.sendFINLocked()
		c.cond.Broadcast()
	}
}

// write sends one batch from the queue: byte items with one writev(2), or a
// file region with sendfile(2).
func (c *Conn) write(batch []item) error {
	if c.e.cfg.IdleTimeout > 0 {
		// The deadline bounds this write only. Left armed, it would
		// expire while the queue is empty, and the reader's non-blocking
		// write at the end of its next turn, on the same descriptor, would
		// then fail with "i/o timeout" and drop a connection that is
		// anything but idle.
		defer c.nc.SetWriteDeadline(time.Time{})
	}
	if batch[0].f != nil {
		return c.sendFile(batch[0])
	}
	c.armWriteDeadline()
	bufs := make(net.Buffers, 0, len(batch))
	for _, it := range batch {
		bufs = append(bufs, it.b)
	}
	_, err := bufs.WriteTo(c.nc) // writev(2) on a TCP connection
	return err
}

// sendFile sends a file region in one copy and closes the file. io.CopyN
// hands the socket an *io.LimitedReader over an *os.File, which
// *net.TCPConn.ReadFrom turns into sendfile(2): the bytes go from the page
// cache to the socket without passing through us, in as few calls as the
// socket's room allows. Cutting the copy into chunks to see it progress
// cost a fifth of the rate on loopback; watchCopy sees progress from the
// file's position instead (on Linux; see copyChunk for elsewhere).
func (c *Conn) sendFile(it item) error {
	defer it.f.Close()
	if _, err := it.f.Seek(it.off, io.SeekStart); err != nil {
		return err
	}
	stop := c.watchCopy(it.f, it.off)
	defer stop()
	for left := it.n; left > 0; {
		n, err := io.CopyN(c.nc, it.f, min(left, copyChunk)) // one copy on Linux (copy_linux.go)
		left -= n
		// A download in progress is not idle, though the client sends
		// nothing while it lasts: only file regions count as activity on
		// the way out.
		c.touch()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("sendfile %s: file shrank by %d bytes", it.f.Name(), left)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
