//go:build !linux

package multiprocess

import (
	"fmt"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/unsupported"
)

// Server is the multiprocess model. On this system it cannot run: it passes
// descriptors and socketpairs the way Linux does, and reads /proc/self/exe.
// It serves nothing, shuts down at once and counts nothing.
type Server struct{ unsupported.Server }

var (
	_ netlab.Server        = (*Server)(nil)
	_ netlab.StatsReporter = (*Server)(nil)
)

// New returns an error wrapping [netlab.ErrUnsupported].
func New(spec Spec, cfg netlab.Config, opts Options) (*Server, error) {
	return nil, fmt.Errorf("multiprocess: %w (it needs Linux)", netlab.ErrUnsupported)
}

// Children returns nothing.
func (*Server) Children() []int { return nil }

// IsChild reports false: no server here starts children.
func IsChild() bool { return false }

// RunChild returns 2: there is nothing to run.
func RunChild() int { return 2 }
