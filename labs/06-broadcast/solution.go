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

// join adds c to the room. Goroutines it starts are added to wg.
func (h *hub) join(c net.Conn, wg *sync.WaitGroup) *member {
	m := &member{c: c, out: make(chan []byte, QueueLen)}
	wg.Go(func() {
		defer c.Close()
		for line := range m.out {
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	h.members[m] = true
	return m
}

// leave removes m when its client has gone.
func (h *hub) leave(m *member) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeLocked(m)
	m.c.Close()
}

// removeLocked takes m out of the room and ends its writer, once.
func (h *hub) removeLocked(m *member) {
	if h.members[m] {
		delete(h.members, m)
		close(m.out)
	}
}

// broadcast sends line to every member but from. It never waits for a
// socket: a member whose queue is full is not reading, and is dropped.
func (h *hub) broadcast(from *member, line []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for m := range h.members {
		if m == from {
			continue
		}
		select {
		case m.out <- line:
		default:
			h.removeLocked(m)
			m.c.Close() // a writer stuck in Write on a full socket returns
		}
	}
}
