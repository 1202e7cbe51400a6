//go:build starter

package concurrent

import (
	"net"

	"github.com/netlab-go/netlab/labs/labkit"
)

// Serve accepts connections on l and echoes each one's lines, until l is
// closed. It returns nil once l is closed and every connection it accepted
// has ended.
func Serve(l net.Listener) error {
	// TODO: labkit.Accept calls its handle for each client on the
	// accepting goroutine and accepts the next client only once handle
	// has returned — and echoLines returns only when its client leaves,
	// so the second client waits for the first. Hand Accept a function
	// that starts echoLines(c) on a goroutine of its own and returns at
	// once, and make Serve wait for those goroutines before it returns
	// (a sync.WaitGroup).
	return labkit.Accept(l, echoLines)
}
