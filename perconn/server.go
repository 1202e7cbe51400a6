package perconn

import (
	"context"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/blocking"
)

// Server serves a [netlab.Service] with one goroutine per connection.
type Server struct {
	e *blocking.Engine
}

var _ netlab.Server = (*Server)(nil)

// New returns a server for svc. Zero fields of cfg take their defaults.
func New(svc netlab.Service, cfg netlab.Config) *Server {
	return &Server{e: blocking.NewEngine(svc, cfg)}
}

// Serve accepts connections on l and starts a goroutine for each. It returns
// [netlab.ErrServerClosed] after Shutdown or Close.
func (s *Server) Serve(l net.Listener) error {
	if err := s.e.Listen(l); err != nil {
		return err
	}
	defer s.e.Unlisten(l)
	for {
		nc, err := s.e.Accept(l)
		if err != nil {
			return err
		}
		if c := s.e.Admit(nc); c != nil {
			go c.Serve() // the whole model is this one line
		}
	}
}

// Shutdown stops accepting and closes connections as they become idle, until
// ctx ends; then it closes the rest. See [netlab.Server].
func (s *Server) Shutdown(ctx context.Context) error { return s.e.Shutdown(ctx) }

// Close closes the listeners and every connection now.
func (s *Server) Close() error { return s.e.Close() }

// Stats returns the server's counters.
func (s *Server) Stats() netlab.Stats { return s.e.Stats() }
