package netlabtest

import (
	"context"
	"net"
	"sync"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/accept"
)

// BareServer is the standard library's minimum for a server, the yardstick
// a benchmark holds a model to: a goroutine per connection that runs a
// handler on the bare [net.Conn], through the runtime's netpoller. No
// session, no queue, no timers; Shutdown closes everything at once, as
// Close does.
type BareServer struct {
	handle func(c net.Conn)
	ls     accept.Listeners

	mu    sync.Mutex
	conns map[net.Conn]struct{} // guarded by mu
	wg    sync.WaitGroup
}

var _ netlab.Server = (*BareServer)(nil)

// NewBareServer returns a server that calls handle with every connection,
// each on a goroutine of its own, and closes the connection when handle
// returns.
func NewBareServer(handle func(c net.Conn)) *BareServer {
	return &BareServer{handle: handle, conns: make(map[net.Conn]struct{})}
}

// Serve accepts connections on l until Close, and then returns
// [netlab.ErrServerClosed].
func (s *BareServer) Serve(l net.Listener) error {
	if err := s.ls.Add(l); err != nil {
		return err // closed already
	}
	for {
		c, err := l.Accept()
		if err != nil {
			if s.ls.Closing() {
				return netlab.ErrServerClosed
			}
			return err
		}
		s.mu.Lock()
		if s.ls.Closing() { // accepted as Close ran: Close may not have seen it
			s.mu.Unlock()
			c.Close()
			return netlab.ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.wg.Go(func() { // under mu, so never after Close's Wait has begun
			s.handle(c)
			c.Close()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		})
		s.mu.Unlock()
	}
}

// Shutdown is Close: a yardstick has nothing to finish.
func (s *BareServer) Shutdown(context.Context) error { return s.Close() }

// Close closes the listeners and every connection, and returns when every
// handler has.
func (s *BareServer) Close() error {
	s.ls.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// BareEcho echoes c the least an echo server can: it reads into a buffer
// of its own and writes back what it read, until c fails or closes; then
// it closes c. It is the handler of the echo yardstick, for [StartBare] or
// a [BareServer].
func BareEcho(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 16<<10)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}
