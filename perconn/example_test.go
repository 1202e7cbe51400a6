package perconn_test

import (
	"context"
	"fmt"
	"log"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/perconn"
)

// Serve a chat room with a goroutine per connection. Ann connects and says
// nothing; under the iterative model Bob would wait in the backlog until
// she left, but here he is welcomed at once, and each hears the other.
func Example() {
	srv := perconn.New(chat.New(chat.Options{}), netlab.Config{})
	running := netlabtest.Loopback(srv) // serves on 127.0.0.1 until Stop
	defer running.Stop()

	ctx := context.Background()
	ann, err := chat.Dial(ctx, running.Addr)
	if err != nil {
		log.Fatal(err)
	}
	defer ann.Close()
	fmt.Println("ann:", <-ann.Lines())
	bob, err := chat.Dial(ctx, running.Addr)
	if err != nil {
		log.Fatal(err)
	}
	defer bob.Close()
	fmt.Println("bob:", <-bob.Lines())
	fmt.Println("ann:", <-ann.Lines())
	if err := bob.Say("hi, ann"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("ann:", <-ann.Lines())
	fmt.Println("sessions at once:", srv.Stats().Active)
	// Output:
	// ann: * welcome guest-1
	// bob: * welcome guest-2
	// ann: * guest-2 joined
	// ann: guest-2: hi, ann
	// sessions at once: 2
}
