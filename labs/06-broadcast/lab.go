package broadcast

import (
	"bufio"
	"net"
	"sync"

	"github.com/netlab-go/netlab/labs/labkit"
)

// QueueLen is how many lines may wait for one client before it is dropped.
const QueueLen = 256

// A hub is the room: every member, and how to reach it.
type hub struct {
	mu      sync.Mutex
	members map[*member]bool // guarded by mu
}

// Serve accepts clients on l and sends every line a client sends to every
// other client. It returns nil once l is closed and every client has left.
func Serve(l net.Listener) error {
	h := &hub{members: map[*member]bool{}}
	var wg sync.WaitGroup
	defer wg.Wait()
	return labkit.Accept(l, func(c net.Conn) {
		m := newMember(c, &wg)
		h.mu.Lock()
		h.members[m] = true
		h.mu.Unlock()
		wg.Go(func() {
			defer h.leave(m)
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadBytes('\n')
				if err != nil {
					return
				}
				h.broadcast(m, line)
			}
		})
	})
}

// leave takes m out of the room when its client has gone (unless it was
// dropped already) and closes its socket.
func (h *hub) leave(m *member) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeLocked(m)
	m.c.Close()
}

// broadcast hands line to every member but from, holding mu: nobody joins
// or leaves meanwhile, and every member gets the lines in the same order.
func (h *hub) broadcast(from *member, line []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for m := range h.members {
		if m != from {
			h.sendLocked(m, line)
		}
	}
}
