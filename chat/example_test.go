package chat_test

import (
	"context"
	"fmt"
	"log"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/perconn"
)

// Two members of one room, each session fed what its client typed: a
// rename, a message to the room, a leave. Every member's Conn hears what
// the room says; a model would write it to their sockets.
func Example() {
	svc := chat.New(chat.Options{})
	ann, bob := netlabtest.NewConn(), netlabtest.NewConn()
	a := svc.Open(ann)
	b := svc.Open(bob)
	a.Data([]byte("/nick ann\nhello, room\n"))
	b.Data([]byte("/quit\n"))
	b.Closed(nil)
	a.Closed(nil)

	fmt.Print("ann's connection:\n", ann.Take())
	fmt.Print("bob's connection:\n", bob.Take())
	// Output:
	// ann's connection:
	// * welcome guest-1
	// * guest-2 joined
	// * you are ann
	// * guest-2 left
	// bob's connection:
	// * welcome guest-2
	// * guest-1 is now ann
	// ann: hello, room
	// * bye
}

// Dial joins a chat server's room as a client: every line the server sends
// arrives on Lines, in order, and the methods send commands.
func ExampleDial() {
	room := netlabtest.Loopback(perconn.New(chat.New(chat.Options{}), netlab.Config{}))
	defer room.Stop()

	c, err := chat.Dial(context.Background(), room.Addr)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Println(<-c.Lines())
	if err := c.Nick("ann"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-c.Lines())
	if err := c.Who(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-c.Lines())
	if err := c.Quit(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-c.Lines())
	// Output:
	// * welcome guest-1
	// * you are ann
	// * online: ann
	// * bye
}
