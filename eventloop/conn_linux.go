package eventloop

import (
	"net"
	"net/netip"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/netlab-go/netlab"
)

// Connection states, as other goroutines see them. A conn only moves forward.
const (
	stateOpen    = iota // reading and sending
	stateClosing        // Close was called: flush the queue, then FIN, then linger
	stateClosed         // dropped or finished: nothing more is sent
)

// A conn is one client socket served by one loop, and the [netlab.Conn] its
// session answers through.
//
// The owning loop reads the socket, and owns the descriptor's life: it
// closes it only in finish, after marking c closed under mu. Whoever holds
// mu and sees c open may therefore write to it (a Send from another loop
// writes at once when nothing is queued, see writeNowLocked); everything
// else other goroutines do is append to the output queue and tell the loop.
// That rule is what makes a closed descriptor safe: the number may be
// reused by the next accept the moment it is closed, and nobody but the
// loop, which knows it closed it, holds on to it unlocked.
//
// An idle connection holds this struct, its session and its socket, and
// nothing else: no goroutine, no stack, no buffer.
type conn struct {
	l          *loop
	fd         int
	sess       netlab.Session // nil until Open returns, and for refused clients
	peer       netip.AddrPort // kept compact; RemoteAddr builds a net.Addr on demand
	list       *connList      // the timer list c is in (idle or linger), or nil; loop-owned
	prev       *conn          // neighbours in list; loop-owned
	next       *conn          // neighbours in list; loop-owned
	lastActive int64          // loop clock of the last activity (see loop.touch), or, once lingering, of the FIN; loop-owned
	discarded  int32          // bytes read and thrown away while lingering, up to lingerMax; loop-owned
	slot       int32          // c's place in its loop's connTable; loop-owned

	events  uint32 // the interest set registered with epoll; loop-owned
	eof     bool   // the client shut down its sending side: never read again; loop-owned
	fin     bool   // our FIN is sent: reading only to linger; loop-owned
	paused  bool   // not reading: the output queue is above the high-water mark; loop-owned
	done    bool   // closed and reported: every later event for c is stale; loop-owned
	refused bool   // a client turned away busy: no session; loop-owned

	// Placed among the flags above rather than beside mu, so that the
	// struct fits a smaller size class: 16 bytes less per connection.
	state    uint8 // guarded by mu
	notified bool  // c is on its loop's pending list; guarded by mu
	// busy: the loop is in a Data call for c and writes what was staged
	// or queued as soon as it returns (dispatch; Sends meanwhile may use
	// the loop's stage, see Send), so news need not be posted: an
	// echo's reply costs neither the loop's mutex nor a second look next
	// turn. Guarded by mu.
	busy bool

	mu  sync.Mutex
	out outQueue // guarded by mu
	err error    // why c was closed; guarded by mu
}

var _ netlab.Conn = (*conn)(nil)

// stageSize is the capacity of a loop's stage: what the session of the
// connection in a Data call sends, up to this much, is copied there and
// written in one write(2) as the call returns, with no chunk borrowed and
// nothing queued. It is the read size, so that an echo of a full read fits.
const stageSize = readSize

// Send implements [netlab.Conn.Send].
//
// During its loop's Data call for c (busy), with nothing queued, p is copied
// to the loop's stage, which the loop writes as soon as the call returns
// (writeStage): a reply costs no chunk from the pool, no queue entry and no
// allocation. The stage is the loop's, but only the connection in a Data
// call uses it, and only under its mutex, so whoever holds c.mu while c is
// busy may append to it.
//
// Otherwise, when nothing is queued and the loop sleeps, it writes p straight
// to the socket, without waiting (writeNowLocked); what the socket does not
// take, or all of p when output is already queued, it copies into the output
// queue and tells the loop, which writes it when the socket can take it.
func (c *conn) Send(p []byte) error {
	s := c.l.s
	c.mu.Lock()
	if c.state != stateOpen {
		c.mu.Unlock()
		return netlab.ErrConnClosed
	}
	if c.out.cost+c.stagedLocked()+len(p) > s.cfg.MaxPending {
		c.failLocked(netlab.ErrOverflow)
		notify := c.markLocked()
		c.mu.Unlock()
		s.counts.Dropped.Add(1)
		c.l.debug("send queue overflow; dropping client", c)
		if notify {
			c.l.notify(c)
		}
		return netlab.ErrOverflow
	}
	if len(p) == 0 {
		c.mu.Unlock()
		return nil
	}
	if c.busy && c.out.empty() {
		if st := c.l.stage; len(st)+len(p) <= cap(st) {
			c.l.stage = append(st, p...)
			c.mu.Unlock()
			if c.l.debugging() {
				c.l.debug("send", c, "bytes", len(p), "data", preview(p))
			}
			return nil
		}
		c.unstageLocked() // p does not fit: the stage goes first in the queue, p after it
	}
	if n := len(p); c.out.empty() && !c.busy && c.l.asleep.CompareAndSwap(true, false) {
		var done bool
		if p, done = c.writeNowLocked(p); done {
			notify := c.state == stateClosed && c.markLocked()
			c.mu.Unlock()
			if notify {
				c.l.notify(c) // the write failed: the loop finishes c
			}
			c.l.debug("sent at once", c, "bytes", n)
			return nil
		}
	}
	c.out.appendBytes(p)
	notify := c.markLocked()
	c.mu.Unlock()
	if c.l.debugging() {
		c.l.debug("send", c, "bytes", len(p), "data", preview(p))
	}
	if notify {
		c.l.notify(c)
	}
	return nil
}

// writeNowLocked writes p straight to the socket, on the caller's thread,
// when nothing is queued before it and the connection's loop is asleep: a
// chat line from a member on another loop then reaches the socket without
// waking that loop, which costs an eventfd write, an epoll_wait return and
// a context switch on another core. Only the first such Send while the loop
// sleeps does (it clears asleep): after it, Sends queue and wake the loop as
// usual, so that a broadcast to a hundred members of a room does not make
// the sender's thread write to every one of the sleeping loop's sockets, one
// line per write, where the loop sends what piled up on each in one writev. The write cannot block (the socket is non-blocking) and
// cannot race the loop's own writes (both hold mu), nor a close: the loop
// marks c closed under mu before it closes the descriptor, so while mu is
// held and c is open, the number is c's. It returns what the socket did not
// take, and done when there is nothing left to queue: all of p was taken,
// or the write failed and c is now closed.
//
// The connection the loop is serving (busy) is left to the loop: what its
// session queues during one Data call goes out in one write at the end of
// it, through this function too (loop.writeStage).
func (c *conn) writeNowLocked(p []byte) (rest []byte, done bool) {
	n, err := rawWrite(c.fd, p)
	switch err {
	case nil:
		return p[n:], n == len(p)
	case unix.EAGAIN, unix.EINTR:
		return p, false // the loop writes it when the socket has room
	}
	c.failLocked(os.NewSyscallError("write", err)) // EPIPE or ECONNRESET, mostly: the client is gone
	return nil, true
}

// SendFile implements [netlab.Conn.SendFile]: the region is queued in order
// with the bytes around it, and the loop sends it with sendfile(2) whenever
// the socket is writable. f should be a regular file: sendfile on a
// non-blocking socket never waits for the socket, but it does wait for the
// disk, so a cold read stalls the whole loop for that long.
func (c *conn) SendFile(f *os.File, off, n int64) error {
	s := c.l.s
	c.mu.Lock()
	if c.state != stateOpen {
		c.mu.Unlock()
		f.Close()
		return netlab.ErrConnClosed
	}
	if c.out.cost+c.stagedLocked()+netlab.FileRegionCost > s.cfg.MaxPending {
		c.failLocked(netlab.ErrOverflow)
		notify := c.markLocked()
		c.mu.Unlock()
		f.Close()
		s.counts.Dropped.Add(1)
		if notify {
			c.l.notify(c)
		}
		return netlab.ErrOverflow
	}
	if n <= 0 {
		c.mu.Unlock()
		f.Close()
		return nil
	}
	c.unstageLocked() // the bytes sent before the region go before it
	c.out.appendFile(f, off, n)
	notify := c.markLocked()
	c.mu.Unlock()
	if c.l.debugging() {
		c.l.debug("send file", c, "file", f.Name(), "offset", off, "bytes", n)
	}
	if notify {
		c.l.notify(c)
	}
	return nil
}

// Close implements [netlab.Conn.Close]. The loop does the work: it stops
// reading, flushes the queue, sends FIN and lingers.
func (c *conn) Close() error {
	c.mu.Lock()
	if c.state != stateOpen {
		c.mu.Unlock()
		return nil
	}
	c.state = stateClosing
	notify := c.markLocked()
	c.mu.Unlock()
	if notify {
		c.l.notify(c)
	}
	return nil
}

// RemoteAddr implements [netlab.Conn.RemoteAddr].
func (c *conn) RemoteAddr() net.Addr { return net.TCPAddrFromAddrPort(c.peer) }

// stagedLocked returns how many bytes c has in its loop's stage.
func (c *conn) stagedLocked() int {
	if c.busy {
		return len(c.l.stage)
	}
	return 0
}

// unstageLocked moves what c has in its loop's stage to its queue, for a
// Send or SendFile that cannot use the stage to come after it.
func (c *conn) unstageLocked() {
	if c.busy && len(c.l.stage) > 0 {
		c.out.appendBytes(c.l.stage)
		c.l.stage = c.l.stage[:0]
	}
}

// A status is what the loop's settle needs of a connection's shared state:
// its state, whether output is pending, and how much is queued.
type status struct {
	state   uint8
	pending bool
	queued  int
}

// status reads c's status under its lock.
func (c *conn) status() status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.statusLocked()
}

func (c *conn) statusLocked() status {
	return status{state: c.state, pending: !c.out.empty(), queued: c.out.cost}
}

// markLocked records that c has news for its loop (output, a close, a drop)
// and reports whether the caller must put c on the loop's pending list: only
// the first piece of news since the loop last looked does, and none while
// the loop is busy with c.
func (c *conn) markLocked() bool {
	if c.notified || c.busy {
		return false
	}
	c.notified = true
	return true
}
