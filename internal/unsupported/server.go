package unsupported

import (
	"context"
	"fmt"
	"net"

	"github.com/netlab-go/netlab"
)

// Server is a model's server on a system it cannot run on. A model embeds
// it in its own Server type there; the model's New never returns one, so
// its methods are reached only through a zero value.
type Server struct{}

var (
	_ netlab.Server        = Server{}
	_ netlab.StatsReporter = Server{}
)

// Serve closes l and returns an error wrapping [netlab.ErrUnsupported].
func (Server) Serve(l net.Listener) error {
	l.Close()
	return fmt.Errorf("netlab: this model does not run here: %w", netlab.ErrUnsupported)
}

// Shutdown does nothing: there is nothing to shut down.
func (Server) Shutdown(context.Context) error { return nil }

// Close does nothing: there is nothing to close.
func (Server) Close() error { return nil }

// Stats returns zero counters.
func (Server) Stats() netlab.Stats { return netlab.Stats{} }
