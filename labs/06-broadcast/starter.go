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

// newMember returns the member for c and starts what it needs on wg.
func newMember(c net.Conn, wg *sync.WaitGroup) *member {
	// TODO: make m.out and start its writer on wg: it writes each line to
	// c and, when out is closed or a write fails, closes c.
	return &member{c: c}
}

// sendLocked sends line to m, with h.mu held.
func (h *hub) sendLocked(m *member, line []byte) {
	// TODO: this Write blocks while m's socket buffer is full — while m
	// is not reading — and with it the sender, and everyone who waits
	// for mu. Put line in m.out without waiting instead, and drop m
	// (removeLocked, and close its socket) if out is full.
	m.c.Write(line)
}

// removeLocked takes m out of the room, with h.mu held. It is called
// when m leaves and when m is dropped.
func (h *hub) removeLocked(m *member) {
	delete(h.members, m)
	// TODO: if m was still a member, close m.out so its writer ends: a
	// dropped member leaves too, and closing a channel twice panics.
}
