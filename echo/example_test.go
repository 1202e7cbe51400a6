package echo_test

import (
	"context"
	"fmt"
	"log"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/perconn"
)

// An echo session is a state machine: what it is fed it sends back on its
// Conn, unchanged and unframed, and at end of input it has nothing more to
// say. A model feeds it what it reads from a socket; here a recording Conn
// stands in for the socket.
func Example() {
	c := netlabtest.NewConn()
	s := echo.New().Open(c)
	s.Data([]byte("hello, "))
	s.Data([]byte("echo\n\x00\xff"))
	s.EOF()
	s.Closed(nil)
	fmt.Printf("%q in %d sends, closed by the session: %v\n", c.Take(), c.Sends(), c.Closed())
	// Output: "hello, echo\n\x00\xff" in 2 sends, closed by the session: false
}

// Dial connects to an echo server. Echo is one round trip; to send a
// stream, write it to the connection, half-close with CloseWrite, and
// ReadAll what comes back: the server sends the rest and closes.
func ExampleDial() {
	running := netlabtest.Loopback(perconn.New(echo.New(), netlab.Config{}))
	defer running.Stop()

	c, err := echo.Dial(context.Background(), running.Addr)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	reply, err := c.Echo([]byte("binary \x00\xff is fine"))
	fmt.Printf("%q %v\n", reply, err)
	fmt.Fprint(c.Conn(), "a stream, ", "written in pieces")
	if err := c.CloseWrite(); err != nil {
		log.Fatal(err)
	}
	rest, err := c.ReadAll()
	fmt.Printf("%q %v\n", rest, err)
	// Output:
	// "binary \x00\xff is fine" <nil>
	// "a stream, written in pieces" <nil>
}
