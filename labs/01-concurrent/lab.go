package concurrent

import (
	"net"

	"github.com/netlab-go/netlab/labs/labkit"
)

// echoLines sends every line c sends back to it, until c closes, and then
// closes c. It is the whole service; the lab is about who calls it.
func echoLines(c net.Conn) {
	defer c.Close()
	labkit.Echo(c)
}
