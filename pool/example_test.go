package pool_test

import (
	"context"
	"fmt"
	"log"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/pool"
)

// A pool of one worker with the Reject policy: while the first client holds
// the worker, a second is turned away. Echo has no words for "busy", so the
// server just closes; chat would first send "! server busy".
func Example() {
	srv := pool.New(echo.New(), netlab.Config{}, pool.Options{Workers: 1, Overflow: pool.Reject})
	running := netlabtest.Loopback(srv) // serves on 127.0.0.1 until Stop
	defer running.Stop()

	ctx := context.Background()
	first, err := echo.Dial(ctx, running.Addr)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer first.Close()
	reply, err := first.Echo([]byte("first")) // first now holds the only worker
	fmt.Printf("first: %s %v\n", reply, err)

	second, err := echo.Dial(ctx, running.Addr)
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

// New serves at most Workers sessions at once; with the Wait policy a
// client beyond them waits, connected, for a worker to come free.
//
// Each client is dialled only after the one before it has been welcomed:
// two workers admit their connections concurrently, so two clients dialled
// at once could be named in either order.
func ExampleNew() {
	srv := pool.New(chat.New(chat.Options{}), netlab.Config{}, pool.Options{Workers: 2, Overflow: pool.Wait})
	running := netlabtest.Loopback(srv)
	defer running.Stop()

	dial := func() *chat.Client {
		c, err := chat.Dial(context.Background(), running.Addr)
		if err != nil {
			log.Fatal(err)
		}
		return c
	}
	first := dial()
	defer first.Close()
	fmt.Println(<-first.Lines())
	second := dial()
	defer second.Close()
	fmt.Println(<-second.Lines())
	fmt.Println(<-first.Lines()) // the second joined

	third := dial() // connected, but waiting for a worker
	defer third.Close()
	if err := first.Quit(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-first.Lines())
	first.Close()                // the worker is free once both sides have closed
	fmt.Println(<-third.Lines()) // the first's worker took it
	// Output:
	// * welcome guest-1
	// * welcome guest-2
	// * guest-2 joined
	// * bye
	// * welcome guest-3
}
