package pool

import (
	"io"
	"net"

	"github.com/netlab-go/netlab/labs/labkit"
)

// Greeting and Busy are the first line a client reads: it is being served,
// or it is not.
const (
	Greeting = "welcome\n"
	Busy     = "busy\n"
)

// serveClient greets c, sends every line c sends back to it until c closes,
// and then closes c. It is the whole service; the lab is about how many run
// at once.
func serveClient(c net.Conn) {
	defer c.Close()
	if _, err := io.WriteString(c, Greeting); err != nil {
		return
	}
	labkit.Echo(c)
}

// refuse tells c the server is busy and closes it.
func refuse(c net.Conn) {
	io.WriteString(c, Busy)
	c.Close()
}
