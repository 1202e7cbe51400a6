package pool_test

import (
	"context"
	"fmt"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/pool"
)

// Serve echo on a pool of eight workers, talk to it, and shut it down.
func Example() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := pool.New(echo.New(), netlab.Config{}, pool.Options{Workers: 8})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()

	c, err := echo.Dial(context.Background(), l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	reply, err := c.Echo([]byte("hello, pool"))
	fmt.Printf("%s %v\n", reply, err)
	c.Close()

	fmt.Println(srv.Shutdown(context.Background()))
	fmt.Println(<-served)
	// Output:
	// hello, pool <nil>
	// <nil>
	// netlab: server closed
}

// With one worker and the Reject policy, a second client is turned away while
// the first holds the worker. Echo has no words for "busy", so the server just
// closes; chat would first send "! server busy".
func Example_reject() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := pool.New(echo.New(), netlab.Config{}, pool.Options{Workers: 1, Overflow: pool.Reject})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	ctx := context.Background()

	first, err := echo.Dial(ctx, l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	reply, _ := first.Echo([]byte("first")) // first now holds the only worker
	fmt.Printf("first: %s\n", reply)

	second, err := echo.Dial(ctx, l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	rest, err := second.ReadAll() // returns when the server closes
	fmt.Printf("second: closed by the server after %d bytes (%v)\n", len(rest), err)
	fmt.Println("refused:", srv.Stats().Refused)

	second.Close()
	first.Close()
	srv.Shutdown(ctx)
	<-served
	// Output:
	// first: first
	// second: closed by the server after 0 bytes (<nil>)
	// refused: 1
}
