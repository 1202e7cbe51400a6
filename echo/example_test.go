package echo_test

import (
	"fmt"

	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/netlabtest"
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
