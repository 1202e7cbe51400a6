package iterative_test

import (
	"context"
	"fmt"
	"log"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/iterative"
	"github.com/netlab-go/netlab/netlabtest"
)

// Serve echo one client at a time. Both clients connect at once — the
// kernel completes the second's handshake and queues it in the listen
// backlog — but the server accepts the second only after the first leaves.
func Example() {
	srv := iterative.New(echo.New(), netlab.Config{})
	running := netlabtest.Loopback(srv) // serves on 127.0.0.1 until Stop
	defer running.Stop()

	var clients [2]*echo.Client
	for i := range clients {
		var err error
		if clients[i], err = echo.Dial(context.Background(), running.Addr); err != nil {
			log.Fatal(err)
		}
	}
	for i, c := range clients {
		reply, err := c.Echo(fmt.Appendf(nil, "client %d", i+1))
		fmt.Printf("%s (%v), accepted so far: %d\n", reply, err, srv.Stats().Accepted)
		c.Close() // lets the server accept the next
	}
	// Output:
	// client 1 (<nil>), accepted so far: 1
	// client 2 (<nil>), accepted so far: 2
}
