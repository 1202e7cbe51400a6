package iterative

import (
	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/blocking"
)

// Server serves a [netlab.Service] one connection at a time: Serve accepts a
// connection, serves it until it closes, and only then accepts the next.
// Shutdown stops accepting and lets the client being served finish until ctx
// ends; Close closes the listener and the connection being served now. Serve
// returns [netlab.ErrServerClosed] after either.
// It is a [netlab.Server] and a [netlab.StatsReporter].
type Server struct{ *blocking.Server }

// New returns a server for svc. Zero fields of cfg take their defaults.
func New(svc netlab.Service, cfg netlab.Config) *Server {
	return &Server{blocking.NewServer(svc, cfg, func(c *blocking.Conn) {
		c.Serve() // no "go": the next Accept waits for this client to leave
	})}
}
