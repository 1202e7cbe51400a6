package conformance

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/netlabtest"
)

// A filesPeer is a raw TCP client of the files service: what nc would do,
// nothing of filesrv's own client. A failed read or write fails the test,
// so only the test's goroutine may use it.
type filesPeer struct {
	t *testing.T
	c *net.TCPConn
	r *bufio.Reader
}

// dialFiles connects to the files server at addr.
func dialFiles(t *testing.T, addr string) *filesPeer {
	c := Dial(t, addr)
	return &filesPeer{t: t, c: c, r: bufio.NewReader(c)}
}

func (c *filesPeer) send(s string) {
	c.t.Helper()
	_, err := io.WriteString(c.c, s)
	require.NoError(c.t, err)
}

// line reads one reply line, without its LF.
func (c *filesPeer) line() string {
	c.t.Helper()
	s, err := c.r.ReadString('\n')
	require.NoError(c.t, err, "reading a line (got %q)", s)
	return strings.TrimSuffix(s, "\n")
}

// ask sends a control line and returns the reply line.
func (c *filesPeer) ask(cmd string) string {
	c.t.Helper()
	c.send(cmd + "\n")
	return c.line()
}

// list returns LIST's reply, the OK line first.
func (c *filesPeer) list() []string {
	c.t.Helper()
	lines := []string{c.ask("LIST")}
	var n int
	if _, err := fmt.Sscanf(lines[0], "OK %d", &n); err == nil {
		for range n {
			lines = append(lines, c.line())
		}
	}
	return lines
}

// body reads the n bytes of a GET's payload.
func (c *filesPeer) body(n int) []byte {
	c.t.Helper()
	b := make([]byte, n)
	_, err := io.ReadFull(c.r, b)
	require.NoError(c.t, err)
	return b
}

// eof checks that the server closes the connection with nothing more said.
func (c *filesPeer) eof() {
	c.t.Helper()
	rest, err := io.ReadAll(c.r)
	if err != nil && !netlabtest.IsReset(err) {
		require.NoError(c.t, err)
	}
	assert.Empty(c.t, string(rest), "nothing before the close")
}

// quit ends the session as a polite client does.
func (c *filesPeer) quit() {
	c.t.Helper()
	assert.Equal(c.t, "OK bye", c.ask("QUIT"))
	c.eof()
}
