package eventloop

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// drainRecheck is how often a draining loop asks every session again
// whether it is idle. Each event that could make a connection quiescent
// already triggers a check; this catches an Idler whose answer changes with
// no event on its connection (one waiting on another goroutine), as the
// blocking engine's polling does.
const drainRecheck = 100 * time.Millisecond

// A loop is one event loop: an epoll instance, the connections registered
// with it, and the goroutine (locked to its OS thread) that waits for their
// events and serves them. Its methods are named after what happened: accept,
// read, write, finish (see doc.go's glossary).
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

	conns    connTable // by the slot number epoll hands back with each event
	buf      []byte    // the read buffer lent to Session.Data
	stage    []byte    // what a session sends during its Data call, written when it returns; see conn.Send
	events   []unix.EpollEvent
	iov      [][]byte     // what writev sends, as slices
	iovecs   []unix.Iovec // the same, as the kernel takes them; len maxIovecs
	idle     connList     // open connections, least recently active first
	linger   connList     // connections that sent FIN, earliest first
	now      int64        // loop clock ([Server.clock]), read once per turn
	draining bool         // the loop has begun its graceful shutdown
	aborted  bool         // the loop has dropped every connection, for abort
	recheck  int64        // when draining: loop clock of the next drainRecheck
	spare    []*conn      // the other half of pending, swapped each turn

	// news is set, under mu, whenever one of the fields below gains
	// something for the loop; the loop clears it before it looks, so that
	// a turn with no news takes no lock.
	news atomic.Bool

	// verbose caches whether the server's logger takes debug lines, asked
	// once per turn (see debugging); loop-written, read by any goroutine.
	verbose atomic.Bool

	// asleep is true while the loop blocks in epoll_wait, until one Send
	// from another thread takes it to write at once rather than wake the
	// loop (see conn.writeNowLocked). A hint only, used without mu: a Send
	// that misreads it just takes the other, equally correct, path.
	asleep atomic.Bool

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
		buf:    make([]byte, readSize),
		stage:  make([]byte, 0, stageSize),
		events: make([]unix.EpollEvent, maxEvents),
		iovecs: make([]unix.Iovec, maxIovecs),
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
	l.askVerbose()
	for l.tasks() {
		n := l.poll()
		l.now = l.s.clock()
		l.askVerbose()
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
	// Most turns nobody has posted anything: the flag says so without
	// taking the mutex the posters contend for.
	if !l.news.Swap(false) {
		return !(l.draining || l.aborted) || l.conns.len() > 0
	}
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
			l.flush(c)
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
		l.conns.each(l.settle) // closes each that is quiescent
	}
	if abort != nil {
		l.aborted = true
		l.conns.each(func(c *conn) { l.finish(c, abort) })
	}
	return !(l.draining || l.aborted) || l.conns.len() > 0
}

// poll waits in epoll_wait for events, or for the next timer, or for another
// goroutine's news; it returns how many events it put in l.events.
//
// The sleeping flag is how news finds a loop asleep: it is set under mu, and
// whoever adds news under mu while it is set writes to the eventfd. News that
// came after tasks ran but before the flag was set is seen here, and the
// loop does not sleep at all.
func (l *loop) poll() int {
	// Under load something is ready on most turns: look first without
	// sleeping, which needs neither the mutex nor the scheduler's
	// system-call path (see raw_linux.go).
	if n, err := l.poller.ready(l.events); err == nil && n > 0 {
		return n
	}
	msec := l.timeout()
	l.mu.Lock()
	if len(l.incoming) > 0 || len(l.pending) > 0 || l.drain != l.draining || l.abort != nil {
		msec = 0
	} else {
		l.sleeping = true
		l.asleep.Store(true)
	}
	l.mu.Unlock()

	n, err := l.poller.wait(l.events, msec)
	l.asleep.Store(false)

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
		next = l.idle.front.lastActive + int64(t)
	}
	if c := l.linger.front; c != nil {
		if d := c.lastActive + int64(lingerTime); next < 0 || d < next {
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
	// An event with no connection is stale: epoll_wait reported it before
	// we closed the connection, earlier in this turn. New connections are
	// only registered between turns (tasks), so neither the slot nor the
	// descriptor can have been reused within this batch.
	c := l.conns.lookup(ev.Pad, fd)
	if c == nil {
		return
	}
	if ev.Events&(evRead|evError) != 0 && c.events&evRead != 0 {
		l.read(c)
	}
	if !c.done {
		l.flush(c) // what the session just sent, or what the socket now has room for
	}
}

// flush writes what c has queued, then settles it, on one reading of c's
// shared state.
func (l *loop) flush(c *conn) {
	l.settleAs(c, l.write(c))
}

// settle brings c in line with its state after anything happened to it: a
// closed connection is finished; a closing one whose queue is flushed sends
// FIN and lingers; an open one is paused or resumed by backpressure, and,
// while the loop drains, closed if it is quiescent. Then the interest set is
// made to match.
func (l *loop) settle(c *conn) {
	l.settleAs(c, c.status())
}

// settleAs is settle, given c's status as it is now.
func (l *loop) settleAs(c *conn, st status) {
	if st.state == stateOpen && l.draining && !st.pending && l.quiescent(c) {
		c.Close() // the server's requestClose takes effect here
		// Idle is session code: it may have sent, or panicked.
		st = c.status()
	}
	switch st.state {
	case stateClosed:
		l.finish(c, nil)
		return
	case stateClosing:
		if !st.pending && !c.fin {
			l.sendFIN(c)
			if c.done {
				return
			}
		}
	case stateOpen:
		l.backpressure(c, st.queued)
	}
	l.watch(c, st.state, st.pending)
}

// watch sets c's interest set: writable while output is pending, readable
// while the session may be handed input (open and not paused) or while c
// lingers, and never again after end of stream. It costs an epoll_ctl only
// when the set changes.
func (l *loop) watch(c *conn, state uint8, pending bool) {
	var want uint32
	if pending {
		want |= evWrite
	}
	if !c.eof && (c.fin || state == stateOpen && !c.paused) {
		want |= evRead
	}
	if want != c.events {
		if err := l.poller.modify(c.fd, c.slot, want); err != nil {
			l.finish(c, err)
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
		l.release(&conn{refused: h.refused})
	}
	if err := l.poller.close(); err != nil {
		l.s.log.Error("eventloop: close poller", "err", err)
	}
}
