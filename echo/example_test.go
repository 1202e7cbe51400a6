package echo_test

import (
	"context"
	"fmt"
	"log"
	"net"

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

// Dial connects to an echo server; each Echo sends its bytes and returns
// exactly those bytes, come back.
func ExampleDial() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := perconn.New(echo.New(), netlab.Config{})
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())

	c, err := echo.Dial(context.Background(), l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	for _, msg := range []string{"hello", "binary \x00\xff is fine"} {
		reply, err := c.Echo([]byte(msg))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%q\n", reply)
	}
	// Output:
	// "hello"
	// "binary \x00\xff is fine"
}
