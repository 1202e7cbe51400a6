//go:build starter

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
	var wg sync.WaitGroup
	defer wg.Wait()
	return labkit.Accept(l, func(c net.Conn) {
		// TODO: this starts a goroutine for every client, however many
		// come: workers is never used. Hold at most workers clients at
		// once — a buffered channel of workers slots is a semaphore — and
		// refuse(c) when no slot is free, without waiting for one.
		wg.Go(func() { serveClient(c) })
	})
}
