package pool

import (
	"bufio"
	"io"
	"net"
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
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			if _, werr := c.Write(line); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// refuse tells c the server is busy and closes it.
func refuse(c net.Conn) {
	io.WriteString(c, Busy)
	c.Close()
}
