package tempconv_test

import (
	"fmt"
	"io"
	"log"
	"net"
	"os"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/perconn"
	"github.com/netlab-go/netlab/tempconv"
)

// The converter answers whole lines, however the client writes them: a CR
// before the LF is dropped, an empty line gets no answer (it can keep an
// idle connection alive), and a last line without LF counts once the
// client half-closes. Here it runs under perconn; it runs the same under
// every model, over UDP and in the browser's line console.
func Example() {
	running := netlabtest.Loopback(perconn.New(tempconv.New(), netlab.Config{}))
	defer running.Stop()

	c, err := net.Dial("tcp", running.Addr)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "100\n\n-40\r\nwarm\n36.6")
	c.(*net.TCPConn).CloseWrite()
	io.Copy(os.Stdout, c) // until the server, its answers sent, closes
	// Output:
	// 212
	// -40
	// ! not a number
	// 97.88
}

// Reply is the whole protocol as a function of one line.
func ExampleReply() {
	fmt.Print(tempconv.Reply([]byte("21.5")))
	fmt.Print(tempconv.Reply([]byte("-300")))
	// Output:
	// 70.7
	// ! out of range
}
