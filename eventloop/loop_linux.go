package eventloop

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netlab-go/netlab"
)

const (
	// readSize is the loop's read buffer, lent to every Session.Data call
	// in turn. One buffer per loop instead of one per connection is
	// possible because a session may only use p during the call (the
	// Session contract): input never has to outlive the read.
	readSize = 64 << 10

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

	// lingerTime bounds how long a closing connection keeps reading (and
	// discarding) after its FIN, and lingerMax how much, so that the
	// client's kernel does not answer our close with a reset that destroys
	// the last reply in flight. The same as the blocking models'.
	lingerTime = 2 * time.Second
	lingerMax  = 1 << 20

	// drainRecheck is how often a draining loop asks every session
	// again whether it is idle. Each event that could make a connection
	// quiescent already triggers a check; this catches an Idler whose
	// answer changes with no event on its connection (one waiting on
	// another goroutine), as the blocking engine's polling does.
	drainRecheck = 100 * time.Millisecond
)

// A handoff is a socket the acceptor passes to a loop.
type handoff struct {
	fd      int
	peer    netip.AddrPort
	refused bool // over MaxConns: send the busy reply and close
}

// A loop is one event loop: an epoll instance, the connections registered
// with it, and the goroutine (locked to its OS thread) that waits for their
// events and serves them. Its methods are named after what happened: accept,
// read, write, close.
//
// Everything not under mu belongs to the loop goroutine alone and needs no
// lock. Other goroutines talk to the loop through the fields under mu, and
// wake it with the poller's eventfd.
type loop struct {
	s      *Server
	poller *poller
	done   chan struct{} // closed when run returns

	// load counts the connections handed to this loop and not yet
	// closed. The acceptor reads it to pick the least loaded loop.
	load atomic.Int64

	conns    map[int]*conn // by file descriptor; see newLoop
	buf      []byte        // the read buffer lent to Session.Data
	events   []unix.EpollEvent
	iov      [][]byte
	idle     connList // open connections, least recently active first
	linger   connList // connections that sent FIN, earliest first
	now      int64    // loop clock ([Server.clock]), read once per turn
	draining bool     // the loop has begun its graceful shutdown
	recheck  int64    // when draining: loop clock of the next drainRecheck
	spare    []*conn  // the other half of pending, swapped each turn

	mu       sync.Mutex
	incoming []handoff // accepted sockets to adopt; guarded by mu
	pending  []*conn   // connections with news from Send or Close; guarded by mu
	sleeping bool      // the loop is in epoll_wait (or about to be): news must wake it; guarded by mu
	drain    bool      // Shutdown asked for a graceful stop; guarded by mu
	abort    error     // Close (or a Shutdown out of time) asked to drop everything, for this reason; guarded by mu
	stopped  bool      // run returned and the poller is closed: do not touch it; guarded by mu
}

func newLoop(s *Server) (*loop, error) {
	p, err := openPoller()
	if err != nil {
		return nil, err
	}
	return &loop{
		s:      s,
		poller: p,
		done:   make(chan struct{}),
		// How an event finds its connection. epoll_data, the 64 bits
		// the kernel hands back with each event, is ours to fill:
		// nginx stores a pointer to the connection there, which Go
		// forbids without unsafe; Redis indexes an array by fd, which
		// with several loops costs every loop a slot for every fd in
		// the process. We store the fd and look it up in a map of this
		// loop's own connections: some 20-40 bytes each, however many
		// loops there are, and a lookup costs far less than the
		// read(2) it leads to.
		conns:  make(map[int]*conn),
		buf:    make([]byte, readSize),
		events: make([]unix.EpollEvent, maxEvents),
	}, nil
}

// run is the loop: do what other goroutines asked, wait for events, serve
// them, expire timers; until a shutdown has closed every connection.
func (l *loop) run() {
	// The loop owns a thread. The goroutine spends its idle time blocked
	// in epoll_wait, a system call, so it needs a thread of its own
	// either way; locking makes that explicit, keeps the loop on one
	// thread (and its CPU cache) and lets getrusage(RUSAGE_THREAD) tell
	// what the loop costs.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(l.done)
	defer l.stop()

	l.now = l.s.clock()
	for l.tasks() {
		n := l.poll()
		l.now = l.s.clock()
		for _, ev := range l.events[:n] {
			l.dispatch(ev)
		}
		l.expire()
	}
}

// tasks does what other goroutines asked since the last turn: adopt the
// sockets the acceptor handed over, look at connections with news, begin a
// graceful shutdown or drop everything. It reports whether the loop should
// go on.
func (l *loop) tasks() bool {
	l.mu.Lock()
	incoming := l.incoming
	l.incoming = nil
	pending := l.pending
	l.pending = l.spare
	drain, abort := l.drain, l.abort
	l.mu.Unlock()

	for _, h := range incoming {
		l.accept(h)
	}
	for _, c := range pending {
		c.mu.Lock()
		c.notified = false
		c.mu.Unlock()
		if !c.done {
			l.write(c)
			l.settle(c)
		}
	}
	clear(pending) // the connections may be garbage by next turn
	l.spare = pending[:0]

	if drain && !l.draining {
		l.draining = true
		l.recheck = l.now + int64(drainRecheck)
		if h := l.s.hooks; h != nil && h.draining != nil {
			h.draining()
		}
		for _, c := range l.conns {
			l.settle(c) // closes it if it is quiescent
		}
	}
	if abort != nil {
		for _, c := range l.conns {
			l.close(c, abort)
		}
	}
	return !(l.draining || abort != nil) || len(l.conns) > 0
}

// poll waits in epoll_wait for events, or for the next timer, or for another
// goroutine's news; it returns how many events it put in l.events.
//
// The sleeping flag is how news finds a loop asleep: it is set under mu, and
// whoever adds news under mu while it is set writes to the eventfd. News that
// came after tasks ran but before the flag was set is seen here, and the
// loop does not sleep at all.
func (l *loop) poll() int {
	msec := l.timeout()
	l.mu.Lock()
	if len(l.incoming) > 0 || len(l.pending) > 0 || l.drain != l.draining || l.abort != nil {
		msec = 0
	} else {
		l.sleeping = true
	}
	l.mu.Unlock()

	n, err := l.poller.wait(l.events, msec)

	l.mu.Lock()
	l.sleeping = false
	l.mu.Unlock()
	if err != nil {
		// epoll_wait fails (other than EINTR, which wait absorbs) only
		// with EBADF, EFAULT or EINVAL: the loop's own state is broken.
		// Like the Go runtime's netpoller, fail loudly.
		panic(fmt.Sprintf("eventloop: %v", err))
	}
	return n
}

// timeout returns how long poll may sleep before the first timer is due, in
// epoll_wait's milliseconds, rounded up (rounding down would wake the loop
// just before the deadline, to find nothing to do and spin); -1 if no timer
// is set.
func (l *loop) timeout() int {
	next := int64(-1)
	if t := l.s.cfg.IdleTimeout; t > 0 && l.idle.front != nil {
		next = l.idle.front.seen + int64(t)
	}
	if c := l.linger.front; c != nil {
		if d := c.seen + int64(lingerTime); next < 0 || d < next {
			next = d
		}
	}
	if l.draining && (next < 0 || l.recheck < next) {
		next = l.recheck
	}
	if next < 0 {
		return -1
	}
	wait := next - l.s.clock()
	if wait <= 0 {
		return 0
	}
	return int(min((wait+int64(time.Millisecond)-1)/int64(time.Millisecond), math.MaxInt32))
}

// dispatch serves one ready descriptor.
func (l *loop) dispatch(ev unix.EpollEvent) {
	fd := int(ev.Fd)
	if fd == l.poller.wakefd {
		if err := l.poller.drainWake(); err != nil {
			l.s.log.Error("eventloop: reset wake-up", "err", err)
		}
		return // tasks will find the news
	}
	// An event for a descriptor with no connection is stale: epoll_wait
	// reported it before we closed the connection, earlier in this turn.
	// New connections are only registered between turns (tasks), so the
	// number cannot have been reused within this batch.
	c := l.conns[fd]
	if c == nil {
		return
	}
	if ev.Events&(evRead|evError) != 0 && c.events&evRead != 0 {
		l.read(c)
	}
	if !c.done {
		l.write(c) // what the session just queued, or what the socket now has room for
	}
	if !c.done {
		l.settle(c)
	}
}

// accept adopts a socket the acceptor handed over: it registers it with
// epoll and opens its session (or, for a client over MaxConns, queues the
// busy reply and closes).
func (l *loop) accept(h handoff) {
	c := &conn{l: l, fd: h.fd, peer: h.peer, refused: h.refused, events: evRead}
	if err := l.poller.add(h.fd, evRead); err != nil {
		l.s.log.Error("eventloop: register connection", "peer", c.RemoteAddr(), "err", err)
		unix.Close(h.fd)
		l.forget(c)
		return
	}
	l.conns[h.fd] = c
	c.seen = l.now
	if l.s.cfg.IdleTimeout > 0 {
		l.idle.pushBack(c)
	}
	if h.refused {
		l.debug("refused: server busy", c)
		c.mu.Lock()
		c.state = stateClosing
		c.out.appendBytes(l.s.busy)
		c.mu.Unlock()
	} else {
		l.debug("open", c)
		l.call(c, func() { c.sess = l.s.svc.Open(c) })
	}
	l.write(c)
	l.settle(c)
}

// read reads what the socket has, once (level triggering reports the rest
// next turn), and hands it to the session.
func (l *loop) read(c *conn) {
	size := len(l.buf)
	if !c.fin {
		// Read no more than the high-water mark: what the session
		// queues in answer can then never pass MaxPending by itself.
		size = min(size, l.s.highWater)
	}
	var n int
	var err error
	for {
		n, err = unix.Read(c.fd, l.buf[:size])
		if err != unix.EINTR {
			break
		}
	}
	switch {
	case err == unix.EAGAIN:
		return // reported readable, yet nothing there (it happens): wait for the next report
	case err != nil && c.fin:
		l.close(c, nil) // a reset while lingering: our side was done anyway
		return
	case err != nil:
		c.fail(os.NewSyscallError("read", err))
		return
	case n == 0:
		l.readEOF(c)
		return
	}
	l.touch(c)
	if c.fin {
		c.discarded += n
		if c.discarded >= lingerMax {
			l.close(c, nil)
		}
		return
	}
	c.mu.Lock()
	open := c.state == stateOpen
	c.mu.Unlock()
	if !open {
		return // Close was called: bytes that follow are read only to be dropped
	}
	p := l.buf[:n]
	if l.debugging() {
		l.debug("recv", c, "bytes", n, "data", preview(p))
	}
	l.call(c, func() { c.sess.Data(p) })
}

// readEOF handles a read of zero bytes: the client shut down its sending
// side. EOF is permanent and level triggering would report it every turn, so
// the connection is never read again (settle drops evRead for good).
func (l *loop) readEOF(c *conn) {
	c.eof = true
	if c.fin {
		l.close(c, nil) // the client's FIN answers ours: the linger is over
		return
	}
	c.mu.Lock()
	open := c.state == stateOpen
	c.mu.Unlock()
	if !open {
		return
	}
	l.debug("recv EOF", c)
	l.call(c, func() { c.sess.EOF() })
	c.Close() // the exchange is over once the session has had its say
}

// write sends what is queued, as much as the socket takes now and the turn's
// budget allows. A partial write or EAGAIN just leaves the rest queued;
// settle then asks epoll to report the socket writable.
//
// It holds c.mu throughout. The system calls do not block (the socket is
// non-blocking), so a goroutine sending to c waits a few microseconds at
// most, and the queue needs no more subtle protocol than a mutex.
func (l *loop) write(c *conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == stateClosed {
		return
	}
	for sent := 0; !c.out.empty() && sent < writeBudget; {
		var n int
		var err error
		seg := c.out.head()
		file := seg.file != nil
		if file {
			n, err = l.sendfile(c, seg)
		} else {
			l.iov = c.out.gather(l.iov[:0], maxIovecs)
			if len(l.iov) == 1 {
				n, err = unix.Write(c.fd, l.iov[0])
			} else {
				n, err = unix.Writev(c.fd, l.iov)
			}
			clear(l.iov)
			switch err {
			case nil:
				c.out.advance(n)
			case unix.EINTR, unix.EAGAIN:
			default:
				err = os.NewSyscallError("write", err)
			}
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
		// long as the flush moves (the blocking models' write deadline).
		if file || c.state == stateClosing {
			l.touch(c)
		}
	}
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

// settle brings c's interest set in line with its state after anything
// happened to it: flushed and closing means FIN (then linger), a long queue
// means stop reading, a short one read again, a drained connection during
// shutdown closes, closed means release.
func (l *loop) settle(c *conn) {
	var state uint8
	var pending bool
	for {
		c.mu.Lock()
		state, pending = c.state, !c.out.empty()
		cost := c.out.cost
		c.mu.Unlock()

		switch state {
		case stateClosed:
			l.close(c, nil)
			return
		case stateClosing:
			if !pending && !c.fin {
				l.shutdown(c)
				if c.done {
					return
				}
			}
		case stateOpen:
			l.backpressure(c, cost)
			if l.draining && !pending && l.quiescent(c) {
				c.Close()
				continue
			}
		}
		break
	}

	var want uint32
	if pending {
		want |= evWrite
	}
	if !c.eof && (c.fin || state == stateOpen && !c.paused) {
		want |= evRead
	}
	if want != c.events {
		if err := l.poller.modify(c.fd, want); err != nil {
			l.close(c, err)
			return
		}
		c.events = want
	}
}

// backpressure stops reading c while its queued output is above the
// high-water mark, and reads again once it is below the low-water mark. A
// client that sends but never reads then fills its own socket buffers and is
// blocked by TCP flow control, instead of filling the server's memory. The
// gap between the marks keeps a connection near the limit from switching
// on every turn (each switch is an epoll_ctl).
func (l *loop) backpressure(c *conn, queued int) {
	h := l.s.hooks
	switch {
	case !c.paused && queued > l.s.highWater:
		c.paused = true
		if h != nil && h.paused != nil {
			h.paused()
		}
	case c.paused && queued <= l.s.lowWater:
		c.paused = false
		if h != nil && h.resumed != nil {
			h.resumed()
		}
	}
}

// quiescent reports whether closing c now would cut nothing short: its
// session says it is between requests (or cannot say). The caller has
// checked that nothing is queued.
func (l *loop) quiescent(c *conn) bool {
	i, ok := c.sess.(netlab.Idler)
	if !ok {
		return true
	}
	idle := false
	l.call(c, func() { idle = i.Idle() })
	return idle
}

// shutdown sends FIN once everything queued is in the kernel: the client
// reads all of it, then end of stream. Unless the client has already closed
// its side, the connection then lingers, reading and discarding, until the
// client closes too or lingerTime passes.
func (l *loop) shutdown(c *conn) {
	c.fin = true
	if err := unix.Shutdown(c.fd, unix.SHUT_WR); err != nil {
		l.close(c, nil) // ENOTCONN: the client reset the connection; nothing to linger for
		return
	}
	if c.eof {
		l.close(c, nil)
		return
	}
	l.idle.remove(c)
	c.seen = l.now
	l.linger.pushBack(c)
}

// close closes c's socket now, drops whatever is queued, and reports the end
// to the session. err says why, unless c already failed for a reason of its
// own (an overflow, a panic, a write error), which wins.
//
// The session hears of it before the descriptor is released, so that by the
// time the client can see the close (a chat member's socket reads end of
// stream), the session has already done what Closed does (left the room):
// nobody who saw the close can still find it there.
func (l *loop) close(c *conn, err error) {
	if c.done {
		return
	}
	c.done = true
	c.mu.Lock()
	c.failLocked(err)
	err = c.err
	c.mu.Unlock()

	if c.list != nil {
		c.list.remove(c)
	}
	delete(l.conns, c.fd)
	if rerr := l.poller.remove(c.fd); rerr != nil {
		l.s.log.Error("eventloop: unregister connection", "peer", c.RemoteAddr(), "err", rerr)
	}
	l.forget(c)
	if c.sess != nil {
		l.call(c, func() { c.sess.Closed(err) })
	}
	// Never retry close(2), not even after EINTR: Linux releases the
	// descriptor whatever close returns, and by the time we retried, the
	// number might belong to a socket another goroutine just accepted.
	unix.Close(c.fd)
	l.debug("closed", c, "err", err)
}

// forget stops counting c: its slot under MaxConns is free from now on. close
// calls it before Closed, so that whoever Closed tells (a chat room, a test)
// may count on the slot being free.
func (l *loop) forget(c *conn) {
	l.load.Add(-1)
	if !c.refused {
		l.s.active.Add(-1)
	}
}

// expire closes the connections whose timers are due: those idle for longer
// than the idle timeout, those that have lingered long enough, and, while
// draining, those whose sessions have become idle since the last look.
func (l *loop) expire() {
	if t := l.s.cfg.IdleTimeout; t > 0 {
		for c := l.idle.front; c != nil && l.now-c.seen >= int64(t); c = l.idle.front {
			l.debug("idle timeout", c, "idle", t)
			l.close(c, fmt.Errorf("eventloop: idle for %v", t))
		}
	}
	for c := l.linger.front; c != nil && l.now-c.seen >= int64(lingerTime); c = l.linger.front {
		l.close(c, nil)
	}
	if l.draining && l.now >= l.recheck {
		l.recheck = l.now + int64(drainRecheck)
		for _, c := range l.conns {
			l.settle(c) // closes it if it has become quiescent
		}
	}
}

// touch records activity on c (see write for what counts): it moves to the
// back of the idle list. A lingering connection's timer does not move:
// linger time is counted from the FIN.
func (l *loop) touch(c *conn) {
	if c.list == &l.idle {
		c.seen = l.now
		l.idle.moveToBack(c)
	}
}

// debugging reports whether debug logging is on, so that the arguments of a
// debug line (a net.Addr, a preview of the data) are only built when needed.
func (l *loop) debugging() bool {
	return l.s.log.Enabled(context.Background(), slog.LevelDebug)
}

// debug logs msg about c at debug level.
func (l *loop) debug(msg string, c *conn, args ...any) {
	if l.debugging() {
		l.s.log.Debug(msg, append([]any{"peer", c.RemoteAddr()}, args...)...)
	}
}

// call runs a session method, turning a panic into a dropped connection: one
// bad session must not take the loop, and every connection on it, down. It
// reports whether f returned normally.
func (l *loop) call(c *conn, f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			l.s.panics.Add(1)
			l.s.log.Error("session panicked; connection closed", "peer", c.RemoteAddr(), "panic", r, "stack", string(debug.Stack()))
			c.fail(fmt.Errorf("eventloop: session panicked: %v", r))
			ok = false
		}
	}()
	f()
	return true
}

// handoff passes an accepted socket to the loop. It reports false, and the
// caller keeps the socket, if the loop is shutting down.
func (l *loop) handoff(h handoff) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.drain || l.abort != nil || l.stopped {
		return false
	}
	l.incoming = append(l.incoming, h)
	l.load.Add(1)
	l.wakeLocked()
	return true
}

// notify tells the loop that c has news: output to write, a Close, a drop.
func (l *loop) notify(c *conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return // c was closed when the loop stopped; nothing to do
	}
	l.pending = append(l.pending, c)
	l.wakeLocked()
}

// requestDrain asks the loop to close its connections as they become
// quiescent and to stop once none is left.
func (l *loop) requestDrain() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.drain = true
	l.wakeLocked()
}

// requestAbort asks the loop to close every connection now, telling their
// sessions err, and stop.
func (l *loop) requestAbort(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.abort == nil {
		l.abort = err
	}
	l.wakeLocked()
}

// wakeLocked wakes the loop if it sleeps in epoll_wait. One write to the
// eventfd per sleep is enough, so the first waker clears the flag.
func (l *loop) wakeLocked() {
	if !l.sleeping || l.stopped {
		return
	}
	l.sleeping = false
	if err := l.poller.wake(); err != nil {
		l.s.log.Error("eventloop: wake loop", "err", err)
	}
}

// stop closes the poller once the loop is done. Setting stopped under mu
// first means no goroutine can write to the eventfd after it is closed, when
// its number may already belong to somebody else's file.
func (l *loop) stop() {
	l.mu.Lock()
	l.stopped = true
	incoming := l.incoming
	l.incoming = nil
	l.mu.Unlock()
	for _, h := range incoming { // none, unless run panicked
		unix.Close(h.fd)
		l.forget(&conn{refused: h.refused})
	}
	if err := l.poller.close(); err != nil {
		l.s.log.Error("eventloop: close poller", "err", err)
	}
}
