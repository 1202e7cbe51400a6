//go:build linux

package eventloop_test

import (
	"context"
	"errors"
	"net"
	"sync"

	"github.com/netlab-go/netlab"
)

// bareEcho is the standard library's minimum for an echo server, the Go
// yardstick of the throughput benchmark: a goroutine per connection that
// reads into its own buffer and writes back what it read, through the
// runtime's netpoller. No session, no queue, no timers; Shutdown closes
// everything at once.
type bareEcho struct {
	mu    sync.Mutex
	l     net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func newBareEcho() *bareEcho { return &bareEcho{conns: make(map[net.Conn]struct{})} }

func (s *bareEcho) Serve(l net.Listener) error {
	s.mu.Lock()
	s.l = l
	s.mu.Unlock()
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return netlab.ErrServerClosed
			}
			return err
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Go(func() {
			buf := make([]byte, 16<<10)
			for {
				n, err := c.Read(buf)
				if err != nil {
					break
				}
				if _, err := c.Write(buf[:n]); err != nil {
					break
				}
			}
			c.Close()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		})
	}
}

func (s *bareEcho) Shutdown(context.Context) error { return s.Close() }

func (s *bareEcho) Close() error {
	s.mu.Lock()
	if s.l != nil {
		s.l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}
