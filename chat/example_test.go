package chat_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/perconn"
)

// Two clients in a chat room served by the goroutine-per-connection model:
// one renames itself and says hello, the other reads it and leaves.
func Example() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := perconn.New(chat.New(chat.Options{}), netlab.Config{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	defer func() {
		srv.Shutdown(context.Background())
		<-served
	}()

	ctx := context.Background()
	ann, err := chat.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer ann.Close()
	fmt.Println("ann reads:", <-ann.Lines())

	bob, err := chat.Dial(ctx, l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer bob.Close()
	fmt.Println("bob reads:", <-bob.Lines())
	fmt.Println("ann reads:", <-ann.Lines())

	ann.Nick("ann")
	fmt.Println("ann reads:", <-ann.Lines())
	fmt.Println("bob reads:", <-bob.Lines())

	ann.Say("hello, bob")
	fmt.Println("bob reads:", <-bob.Lines())

	bob.Quit()
	fmt.Println("bob reads:", <-bob.Lines())
	fmt.Println("ann reads:", <-ann.Lines())

	// Output:
	// ann reads: * welcome guest-1
	// bob reads: * welcome guest-2
	// ann reads: * guest-2 joined
	// ann reads: * you are ann
	// bob reads: * guest-1 is now ann
	// bob reads: ann: hello, bob
	// bob reads: * bye
	// ann reads: * guest-2 left
}
