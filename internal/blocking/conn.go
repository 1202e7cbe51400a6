package blocking

import (
	"context"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netlab-go/netlab"
)

// Conn states. A Conn only moves forward through them.
const (
	stateOpen    = iota // reading and sending
	stateClosing        // Close was called: flushing the queue, reads are discarded
	stateClosed         // the socket is closed (or being closed); nothing more is sent
)

// Conn runs one session on one net.Conn and implements [netlab.Conn] for it.
//
// The goroutine that calls Serve reads and runs the session. Send only
// queues. What the session queued during its turn, the reader writes itself
// right after, without waiting (see [Conn.turn]): the common case, a reply that
// fits the socket buffer, costs no hand-off between goroutines. A writer
// goroutine, started the first time it is needed, takes the rest: what the
// socket would not take at once, file regions, and sends from other
// goroutines (a chat broadcast), which it batches into one writev(2).
type Conn struct {
	e    *Engine
	nc   net.Conn
	raw  syscall.RawConn // nil if nc has no file descriptor: no direct writes
	sess netlab.Session
	peer net.Addr

	highWater int // stop reading while more than this is queued

	mu      sync.Mutex
	cond    sync.Cond // signalled when queue, writing or state change; L is &mu
	queue   []item    // output not yet handed to the kernel; guarded by mu
	queued  int       // sum of queue costs; guarded by mu
	writing bool      // the writer is sending an item outside mu; guarded by mu
	writer  bool      // the writer goroutine was started; guarded by mu
	inTurn  bool      // the reader is running session code and flushes after it; guarded by mu
	armed   time.Time // the read deadline now set, zero after a poke or none; guarded by mu
	turnBuf []byte    // a spare buffer for the next turn's replies; guarded by mu
	qarr    [2]item   // the queue's backing array while it is short; guarded by mu
	state   int       // guarded by mu
	flushed bool      // closing and the queue is empty: FIN sent; guarded by mu
	err     error     // why the connection was closed; guarded by mu

	// lastActive is when the connection last did something that keeps it
	// from being idle, in unix nanos: a byte received, as the protocols
	// define idleness, or progress on a file region being sent. Plain
	// replies do not count: a chat member who only listens must send a
	// keep-alive line now and then, as PROTOCOLS.md says.
	lastActive   atomic.Int64
	shuttingDown atomic.Bool // the server is shutting down: close when quiescent
	idle         atomic.Bool // the session said it is between requests
}

func newConn(e *Engine, nc net.Conn) *Conn {
	c := &Conn{e: e, nc: nc, peer: nc.RemoteAddr()}
	c.cond.L = &c.mu
	c.highWater = max(e.cfg.MaxPending/2, 1)
	if sc, ok := nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
		}
	}
	c.lastActive.Store(time.Now().UnixNano())
	return c
}

// Send implements [netlab.Conn.Send].
func (c *Conn) Send(p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateOpen {
		return netlab.ErrConnClosed
	}
	if c.queued+len(p) > c.e.cfg.MaxPending {
		c.e.dropped.Add(1)
		c.e.log.Debug("send queue overflow; dropping client", "peer", c.peer, "queued", c.queued)
		c.abortLocked(netlab.ErrOverflow)
		return netlab.ErrOverflow
	}
	if c.e.log.Enabled(context.Background(), slog.LevelDebug) {
		c.e.log.Debug("send", "peer", c.peer, "bytes", len(p), "data", preview(p))
	}
	if c.inTurn {
		// The reader writes these out when the turn ends: gather them in
		// one buffer, reused from turn to turn, so an echo reply costs no
		// allocation and three sends cost one write.
		if n := len(c.queue); n > 0 && c.queue[n-1].turn {
			last := &c.queue[n-1]
			last.b = append(last.b, p...)
			last.cost += len(p)
			c.queued += len(p)
			return nil
		}
		b := append(c.turnBuf[:0], p...)
		c.turnBuf = nil // the queue owns it until it is written
		c.enqueueLocked(item{b: b, cost: len(p), turn: true})
		return nil
	}
	c.enqueueLocked(item{b: append([]byte(nil), p...), cost: len(p)})
	return nil
}

// SendFile implements [netlab.Conn.SendFile].
func (c *Conn) SendFile(f *os.File, off, n int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateOpen {
		f.Close()
		return netlab.ErrConnClosed
	}
	if c.queued+netlab.FileRegionCost > c.e.cfg.MaxPending {
		f.Close()
		c.e.dropped.Add(1)
		c.abortLocked(netlab.ErrOverflow)
		return netlab.ErrOverflow
	}
	c.e.log.Debug("send file", "peer", c.peer, "file", f.Name(), "offset", off, "bytes", n)
	c.enqueueLocked(item{f: f, off: off, n: n, cost: netlab.FileRegionCost})
	return nil
}

// enqueueLocked queues it. During the reader's turn the reader writes it
// when the turn ends; otherwise — a chat broadcast from another client's
// goroutine, say — the writer goroutine does. Either way the caller never
// makes a system call on this connection's behalf: a sender fanning out to
// five hundred members only copies five hundred lines.
func (c *Conn) enqueueLocked(it item) {
	c.queue = append(c.queue, it)
	c.queued += it.cost
	if !c.inTurn {
		c.wakeWriterLocked()
		c.cond.Broadcast()
	}
}

// Close implements [netlab.Conn.Close].
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateOpen {
		return nil
	}
	c.state = stateClosing
	c.flushIfDoneLocked()
	c.cond.Broadcast()
	// A reader blocked in Read must come back to see the new state.
	c.pokeLocked()
	return nil
}

// RemoteAddr implements [netlab.Conn.RemoteAddr].
func (c *Conn) RemoteAddr() net.Addr { return c.peer }

// State returns the connection's state.
func (c *Conn) State() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}
