package eventloop

import (
	"fmt"
)

// A connList is a doubly linked list of connections threaded through the
// connections themselves, so that membership costs two pointers and no
// allocation.
//
// The loop keeps its timers in two such lists. Every connection in a list
// has the same timeout (the idle timeout, or the linger time), so keeping
// the list in order of last activity — moving a connection to the back
// whenever it reads or writes, like an LRU cache — keeps it in order of
// deadline too: the front is always the next to expire. That makes timers
// O(1) per event and O(expired) per turn, where a heap would be O(log n)
// and a sweep of every connection O(n).
type connList struct {
	front, back *conn
}

// pushBack appends c, which must be in no list.
func (l *connList) pushBack(c *conn) {
	c.list = l
	c.prev, c.next = l.back, nil
	if l.back != nil {
		l.back.next = c
	} else {
		l.front = c
	}
	l.back = c
}

// remove takes c out of the list it is in, if any.
func (l *connList) remove(c *conn) {
	if c.list != l {
		return
	}
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		l.front = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		l.back = c.prev
	}
	c.list, c.prev, c.next = nil, nil, nil
}

// moveToBack moves c, which is in l, to the back.
func (l *connList) moveToBack(c *conn) {
	if l.back == c {
		return
	}
	l.remove(c)
	l.pushBack(c)
}

// expire closes the connections whose timers are due: those idle for longer
// than the idle timeout, those that have lingered long enough, and, while
// draining, those whose sessions have become idle since the last look.
func (l *loop) expire() {
	if t := l.s.cfg.IdleTimeout; t > 0 {
		for c := l.idle.front; c != nil && l.now-c.lastActive >= int64(t); c = l.idle.front {
			l.debug("idle timeout", c, "idle", t)
			l.finish(c, fmt.Errorf("eventloop: idle for %v", t))
		}
	}
	for c := l.linger.front; c != nil && l.now-c.lastActive >= int64(lingerTime); c = l.linger.front {
		l.finish(c, nil)
	}
	if l.draining && l.now >= l.recheck {
		l.recheck = l.now + int64(drainRecheck)
		l.conns.each(l.settle) // closes each that has become quiescent
	}
}

// touch records activity on c (see write for what counts): it moves to the
// back of the idle list. A lingering connection's timer does not move:
// linger time is counted from the FIN.
func (l *loop) touch(c *conn) {
	if c.list == &l.idle {
		c.lastActive = l.now
		l.idle.moveToBack(c)
	}
}
