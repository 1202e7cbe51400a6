package blocking

import (
	"context"
	"net"

	"github.com/netlab-go/netlab"
)

// Serve accepts connections on l, with [Engine.Accept]'s policy, and passes
// each to handle until Shutdown or Close, after which it returns
// [netlab.ErrServerClosed]. handle runs on the accept loop's goroutine, so
// nothing is accepted while it runs: what it does with the connection, and
// on which goroutine, is the model.
func (e *Engine) Serve(l net.Listener, handle func(nc net.Conn)) error {
	if err := e.Listen(l); err != nil {
		return err
	}
	defer e.Unlisten(l)
	for {
		nc, err := e.Accept(l)
		if err != nil {
			return err
		}
		handle(nc)
	}
}

// Server is the [netlab.Server] of a model that admits each connection as
// soon as it is accepted, and differs from the others only in how it then
// runs the connection's session: the run function given to [NewServer].
// The iterative and perconn packages embed it.
type Server struct {
	e   *Engine
	run func(c *Conn)
}

var _ netlab.Server = (*Server)(nil)

// NewServer returns a server for svc (zero fields of cfg take their
// defaults) that calls run, on the accept loop's goroutine, with every
// connection it admits. run must see to it that [Conn.Serve] is called.
func NewServer(svc netlab.Service, cfg netlab.Config, run func(c *Conn)) *Server {
	return &Server{e: NewEngine(svc, cfg), run: run}
}

// Serve accepts connections on l and admits each (see [Engine.Admit]) before
// it hands it to the model. It returns [netlab.ErrServerClosed] after
// Shutdown or Close.
func (s *Server) Serve(l net.Listener) error {
	return s.e.Serve(l, func(nc net.Conn) {
		if c := s.e.Admit(nc); c != nil {
			s.run(c)
		}
	})
}

// Shutdown stops accepting and closes connections as they become idle,
// until ctx ends; then it closes the rest. See [Engine.Shutdown].
func (s *Server) Shutdown(ctx context.Context) error { return s.e.Shutdown(ctx) }

// Close closes the listeners and every connection now.
func (s *Server) Close() error { return s.e.Close() }

// Stats returns the server's counters.
func (s *Server) Stats() netlab.Stats { return s.e.Stats() }
