package chat

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
)

// maxIncoming bounds one line the client accepts from the server. The
// longest ordinary line is a 4096-byte message with its sender's name; the
// answer to /who grows with the room (33 bytes a member), so the bound is
// generous, but it is a bound: a broken server cannot make the client
// buffer without end.
const maxIncoming = 1 << 20

// linesBuffer is how many received lines wait in [Client.Lines] before the
// client stops reading from the socket. A caller that falls that far behind
// makes the server queue for it, and eventually drop it, which is the
// protocol's answer to a reader that does not keep up.
const linesBuffer = 256

// Client is a connection to a chat server. It is safe for concurrent use:
// any number of goroutines may send while the lines that arrive are
// delivered, in order, on [Client.Lines] or to the function given with
// [OnLine], by the client's own reader goroutine.
//
// The methods that send ([Client.Send], [Client.Say], [Client.Nick], …) return
// once the line is written to the socket; the server's answer, if any,
// arrives like every other line.
type Client struct {
	conn   net.Conn
	onLine func(string)

	wmu sync.Mutex // one line at a time on the wire

	lines chan string   // incoming lines when there is no onLine
	stop  chan struct{} // closed by Close: the reader gives up delivering
	done  chan struct{} // closed when the reader goroutine has exited
	once  sync.Once

	err error // why reading stopped; written by the reader before done closes
}

// A ClientOption configures a [Client].
type ClientOption func(*Client)

// OnLine makes the client call f with each line it receives (without its
// LF), in order, on the client's reader goroutine, instead of delivering
// lines on [Client.Lines]. This is the "receiver thread that runs a user
// function on each message" of the Python course's exercise 12-2. While f runs nothing
// more is read, so f should be quick; it may call the client's sending
// methods, but not Close (Close waits for the reader, which is running f).
func OnLine(f func(line string)) ClientOption {
	return func(c *Client) { c.onLine = f }
}

// Dial connects to the chat server at addr (host:port). The server's
// "* welcome guest-N" is the first line received.
func Dial(ctx context.Context, addr string, opts ...ClientOption) (*Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("chat: dial %s: %w", addr, err)
	}
	return NewClient(conn, opts...), nil
}

// NewClient returns a client speaking chat over conn, which it takes
// ownership of, and starts its reader goroutine. Call Close to stop it.
func NewClient(conn net.Conn, opts ...ClientOption) *Client {
	c := &Client{
		conn: conn,
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	for _, o := range opts {
		o(c)
	}
	if c.onLine == nil {
		c.lines = make(chan string, linesBuffer)
	}
	go c.read()
	return c
}

// read delivers every line until the connection ends or Close is called.
func (c *Client) read() {
	defer close(c.done)
	if c.lines != nil {
		defer close(c.lines)
	}
	sc := bufio.NewScanner(c.conn)
	sc.Buffer(make([]byte, 0, 4096), maxIncoming)
	for sc.Scan() {
		line := sc.Text() // ScanLines drops a CR before the LF, too
		if c.onLine != nil {
			c.onLine(line)
			continue
		}
		select {
		case c.lines <- line:
		case <-c.stop:
			return
		}
	}
	select {
	case <-c.stop:
		// Closed by us: that is not an error.
	default:
		c.err = sc.Err()
		if errors.Is(c.err, bufio.ErrTooLong) {
			c.err = fmt.Errorf("chat: the server sent a line over %d bytes", maxIncoming)
		} else if c.err != nil {
			c.err = fmt.Errorf("chat: read: %w", c.err)
		}
	}
}

// Lines returns the channel on which received lines arrive, without their
// LF. It is closed when the server closes the connection or the client is
// closed; [Client.Err] then says why. It is nil if the client was made with
// [OnLine].
func (c *Client) Lines() <-chan string { return c.lines }

// Done returns a channel that is closed once the client has stopped
// reading: the server closed the connection or Close was called. After it,
// [Client.Err] is final.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns why the client stopped reading: nil while it is reading,
// after the server closed the connection in an orderly way, or after Close.
func (c *Client) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Send sends one raw protocol line: a message, a command, anything. It
// adds the LF; line must not contain one.
func (c *Client) Send(line string) error {
	if strings.ContainsAny(line, "\n") {
		return errors.New("chat: a line cannot contain a line break; send each line on its own")
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := io.WriteString(c.conn, line+"\n"); err != nil {
		return fmt.Errorf("chat: send: %w", err)
	}
	return nil
}

// Say sends text to everyone else in the room. Text that the server would
// read as a command (it starts with '/' or '%') is refused rather than
// misread; use [Client.Send] to send a line as it is.
func (c *Client) Say(text string) error {
	if strings.HasPrefix(text, "/") || strings.HasPrefix(text, "%") {
		return fmt.Errorf("chat: %q would be read as a command; use Send to send it as it is", text)
	}
	return c.Send(text)
}

// Nick asks to be called name. The answer is "* you are NAME" or an error
// line ("! name taken NAME", "! invalid name NAME").
func (c *Client) Nick(name string) error { return c.Send("/nick " + name) }

// Msg sends text to the member called name only. If nobody is, the answer
// is "! no such user NAME".
func (c *Client) Msg(name, text string) error { return c.Send("/msg " + name + " " + text) }

// Who asks who is online; the answer is "* online: A B C".
func (c *Client) Who() error { return c.Send("/who") }

// Quit leaves the room: the server answers "* bye" and closes the
// connection, which ends [Client.Lines]. Close the client afterwards.
func (c *Client) Quit() error { return c.Send("/quit") }

// CloseWrite shuts down the sending side of the connection (a TCP
// half-close), which the server takes as leaving: it handles every line sent
// before, a last one without LF included, tells the others "* NAME left"
// and closes, which ends [Client.Lines]. Unlike [Client.Quit] there is no
// "* bye". It is what a script that pipes lines in wants at the end of its
// input: everything it sent, and nothing it did not.
func (c *Client) CloseWrite() error {
	cw, ok := c.conn.(interface{ CloseWrite() error })
	if !ok {
		return fmt.Errorf("chat: a %T cannot half-close; use Quit", c.conn)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := cw.CloseWrite(); err != nil {
		return fmt.Errorf("chat: close write: %w", err)
	}
	return nil
}

// Close closes the connection and waits for the reader goroutine to exit.
// Lines not yet taken from [Client.Lines] are dropped. It is safe to call
// more than once, and from any goroutine but the one running an [OnLine]
// function.
func (c *Client) Close() error {
	var err error
	c.once.Do(func() {
		close(c.stop)
		err = c.conn.Close()
	})
	<-c.done
	return err
}
