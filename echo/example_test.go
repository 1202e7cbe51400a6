package echo_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/perconn"
)

// Serve echo on the goroutine-per-connection model and talk to it with the
// client: every message comes back as it went.
func Example() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := perconn.New(echo.New(), netlab.Config{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	defer func() {
		srv.Shutdown(context.Background())
		<-served
	}()

	c, err := echo.Dial(context.Background(), l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	for _, msg := range []string{"hello", "binary \x00\xff is fine"} {
		reply, err := c.Echo([]byte(msg))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%q\n", reply)
	}
	// Output:
	// "hello"
	// "binary \x00\xff is fine"
}
