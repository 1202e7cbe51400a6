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
	raw  syscall.RawConn // nil if nc has no file descriptor: the writer goroutine writes everything
	sess netlab.Session
	peer net.Addr

	highWater int // stop reading while more than this is queued

	mu      sync.Mutex
	cond    sync.Cond // signalled when out, writing or state change; L is &mu
	out     outQueue  // output the kernel has not taken yet; guarded by mu
	writing bool      // the writer is sending a batch outside mu; guarded by mu
	writer  bool      // the writer goroutine was started; guarded by mu
	inTurn  bool      // the reader is running session code and flushes after it; guarded by mu
	armed   time.Time // the read deadline now set, zero after a wake-up or none; guarded by mu
	state   int       // guarded by mu
	finSent bool      // closing, the queue flushed, and FIN sent; guarded by mu
	err     error     // why the connection was closed; guarded by mu

	// lastActive is when the connection last did something that keeps it
	// from being idle, in unix nanos: a byte received, as the protocols
	// define idleness, or progress on a file region being sent. Plain
	// replies do not count: a chat member who only listens must send a
	// keep-alive line now and then, as docs/protocols.md says.
	lastActive atomic.Int64
	draining   atomic.Bool // requestClose was called: close once quiescent
	idle       atomic.Bool // the session said it is between requests
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
	c.touch()
	return c
}

// Send implements [netlab.Conn.Send]. It only queues: during the reader's
// turn the reader writes the bytes when the turn ends; otherwise (a chat
// broadcast from another client's goroutine, say) the writer goroutine does.
// Either way the caller never makes a system call on this connection's
// behalf: a sender fanning out to five hundred members only copies five
// hundred lines.
func (c *Conn) Send(p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateOpen {
		return netlab.ErrConnClosed
	}
	if c.out.cost+len(p) > c.e.cfg.MaxPending {
		c.e.counts.Dropped.Add(1)
		c.e.log.Debug("send queue overflow; dropping client", "peer", c.peer, "queued", c.out.cost)
		c.failLocked(netlab.ErrOverflow)
		return netlab.ErrOverflow
	}
	if c.e.log.Enabled(context.Background(), slog.LevelDebug) {
		c.e.log.Debug("send", "peer", c.peer, "bytes", len(p), "data", preview(p))
	}
	c.out.appendBytes(p, c.inTurn)
	c.notifyLocked()
	return nil
}

// SendFile implements [netlab.Conn.SendFile]: the region is queued in order
// with the bytes around it, and the writer goroutine sends it with
// sendfile(2).
func (c *Conn) SendFile(f *os.File, off, n int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateOpen {
		f.Close()
		return netlab.ErrConnClosed
	}
	if c.out.cost+netlab.FileRegionCost > c.e.cfg.MaxPending {
		f.Close()
		c.e.counts.Dropped.Add(1)
		c.failLocked(netlab.ErrOverflow)
		return netlab.ErrOverflow
	}
	c.e.log.Debug("send file", "peer", c.peer, "file", f.Name(), "offset", off, "bytes", n)
	c.out.appendFile(f, off, n)
	c.notifyLocked()
	return nil
}

// notifyLocked tells whoever writes that there is output: the reader needs
// no telling during its turn (it flushes when the turn ends); the writer
// goroutine is started, or woken.
func (c *Conn) notifyLocked() {
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
	c.sendFINLocked()
	c.cond.Broadcast()
	// A reader blocked in Read must come back to see the new state.
	c.wakeReaderLocked()
	return nil
}

// RemoteAddr implements [netlab.Conn.RemoteAddr].
func (c *Conn) RemoteAddr() net.Addr { return c.peer }

// isOpen reports whether the connection is open: neither closing nor
// closed.
func (c *Conn) isOpen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == stateOpen
}
