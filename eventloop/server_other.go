//go:build !linux

package eventloop

import (
	"context"
	"fmt"
	"net"
	"runtime"

	"github.com/netlab-go/netlab"
)

// Server is the event-loop model. It is built on Linux's epoll; on this
// system [New] returns an error wrapping [netlab.ErrUnsupported], and the
// methods only report that.
type Server struct{}

var _ netlab.Server = (*Server)(nil)

// New returns an error wrapping [netlab.ErrUnsupported]: the event loops use
// epoll, which only Linux has.
func New(svc netlab.Service, cfg netlab.Config, opts Options) (*Server, error) {
	return nil, fmt.Errorf("eventloop: needs Linux's epoll, and this is %s; serve with the perconn or pool model instead: %w",
		runtime.GOOS, netlab.ErrUnsupported)
}

// Serve closes l and returns an error wrapping [netlab.ErrUnsupported].
func (*Server) Serve(l net.Listener) error {
	l.Close()
	return fmt.Errorf("eventloop: %w", netlab.ErrUnsupported)
}

// Shutdown does nothing: there is nothing to shut down.
func (*Server) Shutdown(context.Context) error { return nil }

// Close does nothing: there is nothing to close.
func (*Server) Close() error { return nil }

// Stats returns zero counters.
func (*Server) Stats() netlab.Stats { return netlab.Stats{} }
