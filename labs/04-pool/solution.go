//go:build !starter

package pool

import (
	"errors"
	"net"
	"sync"
)

// Serve accepts connections on l and serves at most workers of them at
// once. A client that connects while all workers are busy is refused at
// once (it reads Busy and the connection closes): it never waits. Serve
// returns nil once l is closed and every connection it accepted has ended.
func Serve(l net.Listener, workers int) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, workers) // one token per client being served
	for {
		c, err := l.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case slots <- struct{}{}:
			wg.Go(func() {
				defer func() { <-slots }()
				serveClient(c)
			})
		default:
			refuse(c) // the busy policy: tell, do not queue
		}
	}
}
