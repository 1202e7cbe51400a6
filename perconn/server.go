package perconn

import (
	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/blocking"
)

// Server serves a [netlab.Service] with one goroutine per connection: Serve
// accepts connections on a listener and starts a goroutine for each.
// Shutdown stops accepting and closes connections as they become idle, until
// ctx ends; then it closes the rest. Close closes the listeners and every
// connection now. Serve returns [netlab.ErrServerClosed] after either.
// It is a [netlab.Server] and a [netlab.StatsReporter].
type Server struct{ *blocking.Server }

// New returns a server for svc. Zero fields of cfg take their defaults.
func New(svc netlab.Service, cfg netlab.Config) *Server {
	return &Server{blocking.NewServer(svc, cfg, func(c *blocking.Conn) {
		go c.Serve() // the whole model is this one line
	})}
}
