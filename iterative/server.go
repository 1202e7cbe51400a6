package iterative

import (
	"context"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/blocking"
)

// Server serves a [netlab.Service] one connection at a time.
type Server struct {
	e *blocking.Engine
}

var _ netlab.Server = (*Server)(nil)

// New returns a server for svc. Zero fields of cfg take their defaults.
func New(svc netlab.Service, cfg netlab.Config) *Server {
	return &Server{e: blocking.NewEngine(svc, cfg)}
}

// Serve accepts a connection on l, serves it until it closes, and only then
// accepts the next. It returns [netlab.ErrServerClosed] after Shutdown or
// Close.
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
			c.Serve() // no "go": the next Accept waits for this client to leave
		}
	}
}

// Shutdown stops accepting and lets the client being served finish until
// ctx ends. See [netlab.Server].
func (s *Server) Shutdown(ctx context.Context) error { return s.e.Shutdown(ctx) }

// Close closes the listener and the connection being served now.
func (s *Server) Close() error { return s.e.Close() }

// Stats returns the server's counters.
func (s *Server) Stats() netlab.Stats { return s.e.Stats() }
