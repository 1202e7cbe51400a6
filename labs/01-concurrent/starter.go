//go:build starter

package concurrent

import (
	"errors"
	"net"
)

// Serve accepts connections on l and echoes each one's lines, until l is
// closed. It returns nil once l is closed and every connection it accepted
// has ended.
func Serve(l net.Listener) error {
	for {
		c, err := l.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		// TODO: this call serves c to the end before the loop accepts the
		// next client: the second client waits for the first to leave.
		// Run it on a goroutine of its own, and make Serve wait for those
		// goroutines before it returns (sync.WaitGroup).
		echoLines(c)
	}
}
