//go:build linux

package eventloop_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/eventloop"
)

// Serve echo on two event loops, talk to it, and shut it down.
func Example() {
	srv, err := eventloop.New(echo.New(), netlab.Config{}, eventloop.Options{Loops: 2})
	if err != nil {
		log.Fatal(err) // not Linux: errors.Is(err, netlab.ErrUnsupported)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()

	ctx := context.Background()
	c, err := echo.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	reply, err := c.Echo([]byte("hello, epoll"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", reply)
	c.Close()

	if err := srv.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-served)
	fmt.Printf("%+v\n", srv.Stats())
	// Output:
	// hello, epoll
	// netlab: server closed
	// {Accepted:1 Refused:0 Active:0 Panics:0 Dropped:0}
}
