//go:build !starter

package concurrent

import (
	"net"
	"sync"

	"github.com/netlab-go/netlab/labs/labkit"
)

// Serve accepts connections on l and echoes each one's lines, until l is
// closed. It returns nil once l is closed and every connection it accepted
// has ended.
func Serve(l net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait() // every connection's goroutine is ours until it ends
	// handle returns at once, so the loop goes back to Accept while c is
	// served.
	return labkit.Accept(l, func(c net.Conn) {
		wg.Go(func() { echoLines(c) })
	})
}
