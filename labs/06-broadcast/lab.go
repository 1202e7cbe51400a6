package broadcast

import (
	"bufio"
	"errors"
	"net"
	"sync"
)

// QueueLen is how many lines may wait for one client before it is dropped.
const QueueLen = 256

// A hub is the room: every member, and how to reach it.
type hub struct {
	mu      sync.Mutex
	members map[*member]bool // guarded by mu
}

func newHub() *hub { return &hub{members: map[*member]bool{}} }

// Serve accepts clients on l and sends every line a client sends to every
// other client. It returns nil once l is closed and every client has left.
func Serve(l net.Listener) error {
	h := newHub()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := l.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		m := h.join(c, &wg)
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
	}
}
