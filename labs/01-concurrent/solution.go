//go:build !starter

package concurrent

import (
	"errors"
	"net"
	"sync"
)

// Serve accepts connections on l and echoes each one's lines, until l is
// closed. It returns nil once l is closed and every connection it accepted
// has ended.
func Serve(l net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait() // every connection's goroutine is ours until it ends
	for {
		c, err := l.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		wg.Go(func() { echoLines(c) })
	}
}
