//go:build !linux

package multiprocess

import (
	"context"
	"fmt"
	"net"

	"github.com/netlab-go/netlab"
)

// Server is the multiprocess model. On this system it cannot run: it passes
// descriptors and socketpairs the way Linux does, and reads /proc/self/exe.
type Server struct{}

var (
	_ netlab.Server        = (*Server)(nil)
	_ netlab.StatsReporter = (*Server)(nil)
)

// New returns an error wrapping [netlab.ErrUnsupported].
func New(spec Spec, cfg netlab.Config, opts Options) (*Server, error) {
	return nil, fmt.Errorf("multiprocess: %w (it needs Linux)", netlab.ErrUnsupported)
}

// Serve returns an error wrapping [netlab.ErrUnsupported].
func (*Server) Serve(l net.Listener) error {
	l.Close()
	return fmt.Errorf("multiprocess: %w", netlab.ErrUnsupported)
}

// Shutdown does nothing.
func (*Server) Shutdown(context.Context) error { return nil }

// Close does nothing.
func (*Server) Close() error { return nil }

// Stats returns zeros.
func (*Server) Stats() netlab.Stats { return netlab.Stats{} }

// Children returns nothing.
func (*Server) Children() []int { return nil }

// IsChild reports false: no server here starts children.
func IsChild() bool { return false }

// RunChild returns 2: there is nothing to run.
func RunChild() int { return 2 }
