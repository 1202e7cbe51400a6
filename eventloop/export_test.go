//go:build linux

package eventloop

import (
	"github.com/netlab-go/netlab"
)

// SetTestHooks makes s call the given functions (any may be nil) when a
// connection stops being read for backpressure, when it is read again, and
// when a loop begins its graceful shutdown. Call it before Serve.
func SetTestHooks(s *Server, paused, resumed, draining func()) {
	s.hooks = &testHooks{paused: paused, resumed: resumed, draining: draining}
}

// SameLoop reports whether two of this model's connections are served by
// the same event loop.
func SameLoop(a, b netlab.Conn) bool { return a.(*conn).l == b.(*conn).l }

// DefaultLoops is how many loops a zero Options.Loops means.
var DefaultLoops = defaultLoops
