//go:build !starter

package gui

import (
	"fmt"
	"net"
	"time"
)

// connect handles "/connect HOST:PORT" and "/connect udp HOST:PORT" (args
// are the words after /connect): it leaves the server it is connected to,
// if any, dials the new one (within two seconds), says "* connected to …"
// to the page and starts the receiver. A dial that fails says
// "! cannot connect: ERROR" and leaves the client not connected.
func (c *client) connect(args []string) {
	network, addr := "tcp", ""
	switch {
	case len(args) == 1:
		addr = args[0]
	case len(args) == 2 && args[0] == "udp":
		network, addr = "udp", args[1]
	default:
		c.page.Send([]byte("! usage: /connect HOST:PORT or /connect udp HOST:PORT\n"))
		return
	}
	c.disconnect()
	server, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		c.page.Send(fmt.Appendf(nil, "! cannot connect: %v\n", err))
		return
	}
	c.server, c.udp = server, network == "udp"
	where := addr
	if c.udp {
		where = "udp " + addr
	}
	c.page.Send(fmt.Appendf(nil, "* connected to %s\n", where))
	c.receiver.Add(1)
	go c.receive(server)
}
