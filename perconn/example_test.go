package perconn_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
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

// New serves a service with one goroutine per connection: here a chat
// room, where two clients connected at once are both served, and each
// hears the other.
func ExampleNew() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := perconn.New(chat.New(chat.Options{}), netlab.Config{})
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	ctx := context.Background()
	ann, err := chat.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer ann.Close()
	fmt.Println(<-ann.Lines())
	bob, err := chat.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer bob.Close()
	fmt.Println(<-bob.Lines())
	fmt.Println(<-ann.Lines())
	if err := bob.Say("hi, ann"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-ann.Lines())
	// Output:
	// * welcome guest-1
	// * welcome guest-2
	// * guest-2 joined
	// guest-2: hi, ann
}
