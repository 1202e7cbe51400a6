//go:build linux

package eventloop_test

import (
	"bufio"
	"fmt"
	"log"
	"net"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/netlabtest"
)

// Serve chat on two event loops. The acceptor hands each new connection to
// the loop with the fewest, so the two members land on different loops: a
// line from one is queued on the other's connection by the first loop, and
// the second loop, woken through its eventfd, writes it. Neither connection
// has a goroutine of its own.
func Example() {
	srv, err := eventloop.New(chat.New(chat.Options{}), netlab.Config{}, eventloop.Options{Loops: 2})
	if err != nil {
		log.Fatal(err) // not Linux: errors.Is(err, netlab.ErrUnsupported)
	}
	running := netlabtest.Loopback(srv) // serves on 127.0.0.1 until Stop
	defer running.Stop()

	join := func() (net.Conn, *bufio.Reader) {
		c, err := net.Dial("tcp", running.Addr)
		if err != nil {
			log.Fatal(err)
		}
		r := bufio.NewReader(c)
		line, _ := r.ReadString('\n')
		fmt.Print(line) // the welcome
		return c, r
	}
	ann, annIn := join()
	bob, bobIn := join()
	line, _ := annIn.ReadString('\n')
	fmt.Print("ann reads ", line)

	fmt.Fprintf(bob, "hello from the other loop\n")
	line, _ = annIn.ReadString('\n')
	fmt.Print("ann reads ", line)
	fmt.Fprintf(ann, "/quit\n")
	line, _ = bobIn.ReadString('\n')
	fmt.Print("bob reads ", line)
	ann.Close()
	bob.Close()
	// Output:
	// * welcome guest-1
	// * welcome guest-2
	// ann reads * guest-2 joined
	// ann reads guest-2: hello from the other loop
	// bob reads * guest-1 left
}
