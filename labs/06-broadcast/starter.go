//go:build starter

package broadcast

import (
	"net"
	"sync"
)

// A member is one client.
type member struct {
	c net.Conn
	// TODO: out, a channel of at most QueueLen lines that a writer
	// goroutine of the member's own drains to c.
}

// join adds c to the room. Goroutines it starts are added to wg.
func (h *hub) join(c net.Conn, wg *sync.WaitGroup) *member {
	m := &member{c: c}
	// TODO: make m.out and start its writer on wg: it writes each line to
	// c and, when out is closed or a write fails, closes c.
	h.mu.Lock()
	defer h.mu.Unlock()
	h.members[m] = true
	return m
}

// leave removes m when its client has gone.
func (h *hub) leave(m *member) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.members, m)
	// TODO: if m was still a member, close m.out so its writer ends.
	m.c.Close()
}

// broadcast sends line to every member but from.
func (h *hub) broadcast(from *member, line []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for m := range h.members {
		if m == from {
			continue
		}
		// TODO: this Write blocks while m's socket buffer is full — while
		// m is not reading — and with it this client, and everyone who
		// waits for mu. Put line in m.out without waiting instead, and
		// drop m (remove it, close out, close its socket) if out is full.
		m.c.Write(line)
	}
}
