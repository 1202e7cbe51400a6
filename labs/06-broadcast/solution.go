//go:build !starter

package broadcast

import (
	"net"
	"sync"
)

// A member is one client.
type member struct {
	c   net.Conn
	out chan []byte // lines for c; closed when m leaves or is dropped
}

// newMember returns the member for c and starts what it needs on wg.
func newMember(c net.Conn, wg *sync.WaitGroup) *member {
	m := &member{c: c, out: make(chan []byte, QueueLen)}
	wg.Go(func() { // m's writer: the only goroutine that writes to c
		defer c.Close()
		for line := range m.out {
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	})
	return m
}

// sendLocked sends line to m, with h.mu held. It never waits for a
// socket: a member whose queue is full is not reading, and is dropped.
func (h *hub) sendLocked(m *member, line []byte) {
	select {
	case m.out <- line:
	default:
		h.removeLocked(m)
		m.c.Close() // a writer stuck in Write on a full socket returns
	}
}

// removeLocked takes m out of the room, with h.mu held. It is called
// when m leaves and when m is dropped, and ends m's writer once.
func (h *hub) removeLocked(m *member) {
	if h.members[m] {
		delete(h.members, m)
		close(m.out)
	}
}
