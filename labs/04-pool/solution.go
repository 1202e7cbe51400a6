//go:build !starter

package pool

import (
	"net"
	"sync"

	"github.com/netlab-go/netlab/labs/labkit"
)

// Serve accepts connections on l and serves at most workers of them at
// once. A client that connects while all workers are busy is refused at
// once (it reads Busy and the connection closes): it never waits. Serve
// returns nil once l is closed and every connection it accepted has ended.
func Serve(l net.Listener, workers int) error {
	slots := make(chan struct{}, workers) // one token per client being served
	var wg sync.WaitGroup
	defer wg.Wait()
	return labkit.Accept(l, func(c net.Conn) {
		select {
		case slots <- struct{}{}:
			wg.Go(func() {
				defer func() { <-slots }()
				serveClient(c)
			})
		default:
			refuse(c) // the busy policy: tell, do not queue
		}
	})
}
