//go:build starter

package gui

// connect handles "/connect HOST:PORT" and "/connect udp HOST:PORT" (args
// are the words after /connect): it leaves the server it is connected to,
// if any, dials the new one (within two seconds), says "* connected to …"
// to the page and starts the receiver. A dial that fails says
// "! cannot connect: ERROR" and leaves the client not connected.
func (c *client) connect(args []string) {
	// TODO 12-4: the address comes from what was typed. Parse args: one
	// word is a TCP address, "udp" and an address is UDP. Disconnect
	// first, then net.DialTimeout("tcp" or "udp", addr, 2*time.Second).
	// Set c.server and c.udp, tell the page, and start the receiver:
	//	c.receiver.Add(1); go c.receive(c.server)
	// TODO 12-5: over UDP the server does not know the client until its
	// first datagram; nothing else changes — receive already treats a
	// datagram as a line.
	c.page.Send([]byte("! /connect is not written yet\n"))
}
