package concurrent

import (
	"bufio"
	"net"
)

// echoLines sends every line c sends back to it, until c closes, and then
// closes c. It is the whole service; the lab is about who calls it.
func echoLines(c net.Conn) {
	defer c.Close()
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
