package eventloop

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

const (
	// writeBudget is how much one connection may write in one turn before
	// the loop moves on. A fast reader downloading a large file would
	// otherwise keep the socket writable, and the loop busy, for as long
	// as the download lasts. What is left is written next turn: the
	// interest set then includes evWrite, which level triggering reports
	// at once.
	writeBudget = 1 << 20

	// maxIovecs bounds one writev(2) (the kernel's IOV_MAX is 1024).
	maxIovecs = 64

	// maxSendfile bounds one sendfile(2): the kernel sends at most
	// 0x7ffff000 bytes per call anyway.
	maxSendfile = 1 << 30
)

// write sends what c's session sent during its Data call (the loop's stage,
// see conn.Send) and what is queued, as much as the socket takes now and the
// turn's budget allows. A partial write or EAGAIN just leaves the rest
// queued; settle then asks epoll to report the socket writable. It returns
// c's status after the writes.
//
// It holds c.mu throughout. The system calls do not block (the socket is
// non-blocking), so a goroutine sending to c waits a few microseconds at
// most, and the queue needs no more subtle protocol than a mutex.
func (l *loop) write(c *conn) status {
	c.mu.Lock()
	defer c.mu.Unlock()
	l.writeLocked(c)
	return c.statusLocked()
}

func (l *loop) writeLocked(c *conn) {
	staged := c.busy
	c.busy = false // whatever the session sent is written now
	if c.state == stateClosed {
		if staged {
			l.stage = l.stage[:0]
		}
		return
	}
	if staged && len(l.stage) > 0 {
		// The queue was empty while the stage was in use (see conn.Send),
		// so after the stage's write it holds only what the socket did
		// not take just now: trying again at once would only meet EAGAIN.
		l.writeStage(c)
		return
	}
	for sent := 0; !c.out.empty() && sent < writeBudget; {
		var n int
		var err error
		file := c.out.head().file != nil
		if file {
			n, err = l.sendfile(c, c.out.head())
		} else {
			n, err = l.writev(c)
		}
		switch err {
		case nil:
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return // the send buffer is full: wait for evWrite
		default:
			c.failLocked(err) // EPIPE or ECONNRESET, mostly: the client is gone
			return
		}
		sent += n
		// What counts as activity is what the protocols say: bytes
		// received (read touches), and a download in progress, since the
		// client sends nothing while it lasts. Plain replies do not, or
		// a chat member who only listens would never idle out; but a
		// closing connection may take as long as it needs to flush, so
		// long as the flush moves (the blocking engine's write deadline).
		if file || c.state == stateClosing {
			l.touch(c)
		}
	}
}

// writeStage writes the loop's stage, which holds what c's session sent
// during its Data call, in one write(2) (writeNowLocked). What the socket
// does not take goes into c's queue, which is empty while the stage is in
// use (see conn.Send), so the order of the bytes is kept; if the write
// fails, c is closed.
func (l *loop) writeStage(c *conn) {
	p := l.stage
	l.stage = p[:0]
	rest, _ := c.writeNowLocked(p)
	if c.state == stateClosing && len(rest) < len(p) {
		l.touch(c) // a flush in progress (see write)
	}
	c.out.appendBytes(rest)
}

// writev sends the byte segments at the head of c's queue, up to the first
// file region: with write(2) when there is one, writev(2) when there are
// several. It returns the bytes sent, or EINTR or EAGAIN untouched.
func (l *loop) writev(c *conn) (int, error) {
	l.iov = c.out.gather(l.iov[:0], maxIovecs)
	var n int
	var err error
	if len(l.iov) == 1 {
		n, err = rawWrite(c.fd, l.iov[0])
	} else {
		l.iovecs = l.iovecs[:len(l.iov)]
		for i, b := range l.iov {
			l.iovecs[i] = unix.Iovec{Base: &b[0]}
			l.iovecs[i].SetLen(len(b))
		}
		n, err = rawWritev(c.fd, l.iovecs)
		clear(l.iovecs)
	}
	clear(l.iov) // the chunks go back to their pool: the loop must not keep them
	switch err {
	case nil:
		c.out.advance(n)
		return n, nil
	case unix.EINTR, unix.EAGAIN:
		return 0, err
	}
	return 0, os.NewSyscallError("write", err)
}

// sendfile sends from the file region at the head of c's queue, from the
// page cache straight to the socket, and records the progress. It returns
// the bytes sent, or EINTR or EAGAIN untouched.
func (l *loop) sendfile(c *conn, seg *segment) (int, error) {
	rc, err := seg.file.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("eventloop: sendfile %s: %w", seg.file.Name(), err)
	}
	var n int
	var serr error
	// Control keeps the file's descriptor open while we use it, and
	// unlike File.Fd does not switch it to blocking mode.
	err = rc.Control(func(ffd uintptr) {
		off := seg.off // sendfile moves off, not the file's own position
		n, serr = unix.Sendfile(c.fd, int(ffd), &off, int(min(seg.n, maxSendfile)))
	})
	switch {
	case err != nil:
		return 0, fmt.Errorf("eventloop: sendfile %s: %w", seg.file.Name(), err)
	case serr == unix.EINTR || serr == unix.EAGAIN:
		return 0, serr
	case serr != nil:
		return 0, os.NewSyscallError("sendfile", serr)
	case n == 0:
		return 0, fmt.Errorf("eventloop: sendfile %s: file shrank by %d bytes", seg.file.Name(), seg.n)
	}
	c.out.advanceFile(int64(n))
	return n, nil
}
