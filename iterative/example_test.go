package iterative_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/iterative"
)

// Serve echo one client at a time. Both clients connect at once — the
// kernel completes the second's handshake and queues it in the listen
// backlog — but the server accepts the second only after the first leaves.
func Example() {
	srv := iterative.New(echo.New(), netlab.Config{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()

	var clients [2]*echo.Client
	for i := range clients {
		if clients[i], err = echo.Dial(context.Background(), l.Addr().String()); err != nil {
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

// New serves one client at a time: a chat room under it holds one member,
// and the next client is welcomed only once the first has left.
func ExampleNew() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := iterative.New(chat.New(chat.Options{}), netlab.Config{})
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	ctx := context.Background()
	first, err := chat.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("first:", <-first.Lines())
	second, err := chat.Dial(ctx, l.Addr().String()) // queued in the backlog
	if err != nil {
		log.Fatal(err)
	}
	defer second.Close()
	if err := first.Quit(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("first:", <-first.Lines())
	first.Close() // the server waits for our side to close, too
	fmt.Println("second:", <-second.Lines())
	// Output:
	// first: * welcome guest-1
	// first: * bye
	// second: * welcome guest-2
}
