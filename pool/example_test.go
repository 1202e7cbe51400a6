package pool_test

import (
	"context"
	"fmt"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/pool"
)

// A pool of one worker with the Reject policy: while the first client holds
// the worker, a second is turned away. Echo has no words for "busy", so the
// server just closes; chat would first send "! server busy".
func Example() {
	srv := pool.New(echo.New(), netlab.Config{}, pool.Options{Workers: 1, Overflow: pool.Reject})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	go srv.Serve(l)
	defer srv.Close()

	ctx := context.Background()
	first, err := echo.Dial(ctx, l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer first.Close()
	reply, err := first.Echo([]byte("first")) // first now holds the only worker
	fmt.Printf("first: %s %v\n", reply, err)

	second, err := echo.Dial(ctx, l.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer second.Close()
	rest, err := second.ReadAll() // returns when the server closes
	fmt.Printf("second: closed after %d bytes (%v); refused: %d\n", len(rest), err, srv.Stats().Refused)
	// Output:
	// first: first <nil>
	// second: closed after 0 bytes (<nil>); refused: 1
}
