package blocking

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/netlab-go/netlab"
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

// Conn states. A Conn only moves forward through them.
const (
	stateOpen    = iota // reading and sending
	stateClosing        // Close was called: flushing the queue, reads are discarded
	stateClosed         // the socket is closed (or being closed); nothing more is sent
)

// item is one entry of a connection's output queue: bytes, or a file region.
type item struct {
	b    []byte
	f    *os.File
	off  int64
	n    int64
	cost int
	turn bool // b is the reader's turn buffer: later sends in the turn append to it
}

// maxTurnBuf is the largest turn buffer a connection keeps for reuse.
const maxTurnBuf = 64 << 10

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

// call runs a session method, turning a panic into a dropped connection: one
// bad session must not take the server down. It reports whether f returned.
func (c *Conn) call(f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			c.e.panics.Add(1)
			c.e.log.Error("session panicked; connection closed", "peer", c.peer, "panic", r, "stack", string(debug.Stack()))
			c.abort(fmt.Errorf("session panicked: %v", r))
			ok = false
		}
	}()
	f()
	return true
}

// updateIdle asks the session whether it is between requests. Idle is
// session code too, so it runs under call's panic recovery.
func (c *Conn) updateIdle() {
	i, ok := c.sess.(netlab.Idler)
	if !ok {
		c.idle.Store(true)
		return
	}
	var idle bool
	if c.call(func() { idle = i.Idle() }) {
		c.idle.Store(idle)
	}
}

// quiescent reports whether closing the connection now would cut nothing
// short: nothing queued, nothing being written, the session between requests.
func (c *Conn) quiescent() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == stateOpen && len(c.queue) == 0 && !c.writing && c.idle.Load()
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

// pokeLocked moves the read deadline to now, so that a reader blocked in
// Read returns and looks at the connection's state.
func (c *Conn) pokeLocked() {
	c.armed = time.Time{}
	c.nc.SetReadDeadline(time.Now())
}

// State returns the connection's state.
func (c *Conn) State() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

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

// wakeWriterLocked starts the writer goroutine the first time there is
// work for it.
func (c *Conn) wakeWriterLocked() {
	if !c.writer {
		c.writer = true
		c.e.wg.Go(c.writeLoop)
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

// RemoteAddr implements [netlab.Conn.RemoteAddr].
func (c *Conn) RemoteAddr() net.Addr { return c.peer }

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

// maxBatch bounds how many queued byte items one writev(2) sends.
const maxBatch = 64

// takeLocked removes the next batch from the queue: one file region, or up to
// maxBatch byte items in a row, which go out in a single writev(2) — the lines
// of a busy chat room leave in one system call instead of one each.
func (c *Conn) takeLocked() (batch []item, cost int) {
	n := 1
	if c.queue[0].f == nil {
		for n < len(c.queue) && n < maxBatch && c.queue[n].f == nil {
			n++
		}
	}
	batch = append(batch, c.queue[:n]...)
	for i := range n {
		cost += c.queue[i].cost
		c.queue[i] = item{}
	}
	c.queue = c.queue[n:]
	return batch, cost
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

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// lingerClose half-closes nc, discards what the client still sends for a
// while, and closes it.
func lingerClose(nc net.Conn) {
	if cw, ok := nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	nc.SetReadDeadline(time.Now().Add(lingerTime))
	io.Copy(io.Discard, nc)
	nc.Close()
}

// preview is how a debug log shows bytes: quoted, and cut after 64 bytes.
func preview(p []byte) string {
	const most = 64
	if len(p) > most {
		return fmt.Sprintf("%q…", p[:most])
	}
	return fmt.Sprintf("%q", p)
}
