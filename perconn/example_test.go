package perconn_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/perconn"
)

// Serve echo with a goroutine per connection, talk to it, and shut it down.
func Example() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := perconn.New(echo.New(), netlab.Config{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()

	ctx := context.Background()
	c, err := echo.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	reply, err := c.Echo([]byte("hello, perconn"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", reply)
	c.Close()

	if err := srv.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-served)
	// Output:
	// hello, perconn
	// netlab: server closed
}
