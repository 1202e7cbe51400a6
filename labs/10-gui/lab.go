package gui

import (
	"bufio"
	"net"
	"strings"
	"sync"

	"github.com/netlab-go/netlab"
)

// A Bridge is the service behind the page: each tab's session is a chat
// client of its own.
type Bridge struct{}

var _ netlab.Service = Bridge{}

// Open starts one tab's client, not yet connected.
func (Bridge) Open(page netlab.Conn) netlab.Session { return &client{page: page} }

// Lines the page shows.
const (
	NotConnected = "! not connected: type /connect HOST:PORT first\n"
	Disconnected = "* disconnected\n"
)

// client is one tab's chat client. Its methods are called one at a time
// by the page's connection; its receiver goroutine only calls page.Send,
// which is safe from any goroutine.
type client struct {
	page     netlab.Conn
	server   net.Conn        // nil until connected
	udp      bool            // server is a UDP socket: a datagram is a line
	lines    strings.Builder // the start of a line typed, until its LF
	receiver sync.WaitGroup  // the goroutine that shows what server says
}

// Data is what the page typed: lines.
func (c *client) Data(p []byte) {
	for _, b := range p {
		if b != '\n' {
			c.lines.WriteByte(b)
			continue
		}
		c.typed(c.lines.String())
		c.lines.Reset()
	}
}

// typed handles one line from the page.
func (c *client) typed(line string) {
	if rest, ok := strings.CutPrefix(line, "/connect "); ok {
		c.connect(strings.Fields(rest))
		return
	}
	if c.server == nil {
		c.page.Send([]byte(NotConnected))
		return
	}
	if !c.udp {
		line += "\n" // a stream needs the LF; a datagram is a line already
	}
	c.server.Write([]byte(line))
}

// receive shows every line server says, until it closes.
func (c *client) receive(server net.Conn) {
	defer c.receiver.Done()
	if c.udp {
		buf := make([]byte, 64<<10)
		for {
			n, err := server.Read(buf)
			if err != nil {
				return // closed by disconnect; a UDP socket never "hangs up"
			}
			c.page.Send(append([]byte(strings.TrimRight(string(buf[:n]), "\n")), '\n'))
		}
	}
	s := bufio.NewScanner(server)
	for s.Scan() {
		c.page.Send(append(s.Bytes(), '\n'))
	}
	c.page.Send([]byte(Disconnected))
}

// disconnect closes the server connection, if any, and waits for the
// receiver to end.
func (c *client) disconnect() {
	if c.server != nil {
		c.server.Close()
		c.receiver.Wait()
		c.server = nil
	}
}

func (c *client) EOF() {}

// Closed is the tab going away: the client leaves the server.
func (c *client) Closed(error) { c.disconnect() }
