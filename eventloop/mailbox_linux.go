package eventloop

import (
	"net/netip"
)

// A handoff is a socket the acceptor passes to a loop.
type handoff struct {
	fd      int
	peer    netip.AddrPort
	refused bool // over MaxConns: send the busy reply and close
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
	l.news.Store(true)
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
	l.news.Store(true)
	l.wakeLocked()
}

// requestDrain asks the loop to close its connections as they become
// quiescent and to stop once none is left.
func (l *loop) requestDrain() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.drain = true
	l.news.Store(true)
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
	l.news.Store(true)
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
