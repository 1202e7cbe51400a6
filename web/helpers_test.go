package web_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/web"
)

// wait bounds every exchange in these tests: long enough for a loaded
// machine, short enough that a hang fails instead of stalling the suite.
const wait = 10 * time.Second

// startWeb serves svc over WebSocket on a loopback port and shuts it down
// at cleanup. It returns the server and its "host:port".
func startWeb(t *testing.T, svc netlab.Service, cfg netlab.Config, opts ...web.Option) (*web.Server, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := web.New(svc, cfg, opts...)
	netlabtest.Serving(t, srv, l)
	return srv, l.Addr().String()
}

// startTCP serves svc under the reference model on a loopback port.
func startTCP(t *testing.T, svc netlab.Service) string {
	t.Helper()
	addr, _ := netlabtest.Start(t, models.Reference().With(models.Flags{}), svc, netlab.Config{})
	return addr
}

// ready serves upper with cfg, connects a browser, and returns it once the
// session has said "ready".
func ready(t *testing.T, cfg netlab.Config) *wsClient {
	t.Helper()
	_, c := readyOn(t, cfg)
	return c
}

// readyOn is [ready], and the server too.
func readyOn(t *testing.T, cfg netlab.Config) (*web.Server, *wsClient) {
	t.Helper()
	srv, addr := startWeb(t, upper{}, cfg)
	c := dialWS(t, addr)
	c.expect("ready")
	return srv, c
}

// wsClient is a Go WebSocket client that reads lines the way the page does.
type wsClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialWS(t *testing.T, addr string) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, "ws://"+addr+"/ws", nil)
	require.NoError(t, err)
	if resp.Body != nil {
		resp.Body.Close()
	}
	t.Cleanup(func() { ws.CloseNow() })
	return &wsClient{t: t, ws: ws}
}

// send sends one text message.
func (c *wsClient) send(line string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.t.Context(), wait)
	defer cancel()
	require.NoError(c.t, c.ws.Write(ctx, websocket.MessageText, []byte(line)))
}

// read returns the next message, which must be a text message.
func (c *wsClient) read() string {
	c.t.Helper()
	line, err := c.next()
	require.NoError(c.t, err)
	return line
}

func (c *wsClient) next() (string, error) {
	ctx, cancel := context.WithTimeout(c.t.Context(), wait)
	defer cancel()
	typ, p, err := c.ws.Read(ctx)
	if err != nil {
		return "", err
	}
	if typ != websocket.MessageText {
		return "", errors.New("binary message from the server")
	}
	return string(p), nil
}

// expect reads messages until one equals want, and fails if the socket
// closes first. Lines before it are returned (a join notice, say).
func (c *wsClient) expect(want string) []string {
	c.t.Helper()
	var before []string
	for {
		line := c.read()
		if line == want {
			return before
		}
		before = append(before, line)
	}
}

// closeStatus reads until the socket closes and returns the status.
func (c *wsClient) closeStatus() websocket.StatusCode {
	c.t.Helper()
	for {
		_, err := c.next()
		if err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

// tcpClient is a raw TCP chat member: the lines it reads, and a writer.
type tcpClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialTCP(t *testing.T, addr string) *tcpClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, wait)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &tcpClient{t: t, conn: conn, r: bufio.NewReader(conn)}
}

// in returns the client for use in the (sub)test t.
func (c *tcpClient) in(t *testing.T) *tcpClient { return &tcpClient{t: t, conn: c.conn, r: c.r} }

func (c *tcpClient) send(line string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(wait))
	_, err := c.conn.Write([]byte(line + "\n"))
	require.NoError(c.t, err)
}

func (c *tcpClient) read() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(wait))
	line, err := c.r.ReadString('\n')
	require.NoError(c.t, err)
	return strings.TrimSuffix(line, "\n")
}

func (c *tcpClient) expect(want string) {
	c.t.Helper()
	for c.read() != want {
	}
}

// upper is a line service of the tests' own: each line comes back in
// capitals, "multi" answers two lines in one Send, "part" one line in two
// Sends, "bytes" a line that is not UTF-8, "file" what SendFile says,
// "endless" a line that never ends, and "quit" closes. It stands for any
// line service that is not chat.
type upper struct{}

func (upper) Open(c netlab.Conn) netlab.Session {
	c.Send([]byte("ready\n"))
	return &upperSession{c: c}
}

type upperSession struct {
	c       netlab.Conn
	partial []byte
}

func (s *upperSession) Data(p []byte) {
	s.partial = append(s.partial, p...)
	for {
		i := strings.IndexByte(string(s.partial), '\n')
		if i < 0 {
			return
		}
		line := string(s.partial[:i])
		s.partial = s.partial[i+1:]
		s.line(line)
	}
}

func (s *upperSession) line(line string) {
	switch line {
	case "multi":
		s.c.Send([]byte("one\ntwo\n"))
	case "part":
		s.c.Send([]byte("par"))
		s.c.Send([]byte("tial\r\n"))
	case "bytes":
		s.c.Send([]byte{'a', 0xff, 'b', '\n'})
	case "file":
		f, err := os.Open(os.DevNull)
		if err != nil {
			s.c.Send([]byte(err.Error() + "\n"))
			return
		}
		s.c.Send([]byte("file: " + s.c.SendFile(f, 0, 0).Error() + "\n"))
	case "endless":
		for range 8 {
			s.c.Send([]byte(strings.Repeat("-", 1024))) // a line that never ends
		}
	case "quit":
		s.c.Send([]byte("bye\n"))
		s.c.Close()
	default:
		s.c.Send([]byte(strings.ToUpper(line) + "\n"))
	}
}

func (*upperSession) EOF()         {}
func (*upperSession) Closed(error) {}

// get fetches path from the server and returns the response, body closed.
func get(t *testing.T, addr, path string) (*http.Response, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b strings.Builder
	_, err = bufio.NewReader(resp.Body).WriteTo(&b)
	require.NoError(t, err)
	return resp, b.String()
}

// probe is a service that records what the transport does to its session,
// and fails the test if two of a session's methods ever overlap.
type probe struct {
	t      *testing.T
	events chan string // every call, in order, closed after Closed
}

func (p *probe) Open(c netlab.Conn) netlab.Session {
	p.events <- "open"
	c.Send([]byte("ready\n"))
	return &probeSession{p: p}
}

type probeSession struct {
	p      *probe
	busy   atomic.Bool
	closed bool
}

func (s *probeSession) enter() {
	if !s.busy.CompareAndSwap(false, true) {
		s.p.t.Error("two session methods ran at once")
	}
	if s.closed {
		s.p.t.Error("a session method ran after Closed")
	}
}

func (s *probeSession) Data(p []byte) {
	s.enter()
	defer s.busy.Store(false)
	s.p.events <- fmt.Sprintf("data %q", p)
}

func (s *probeSession) EOF() {
	s.enter()
	defer s.busy.Store(false)
	s.p.events <- "eof"
}

func (s *probeSession) Closed(err error) {
	s.enter()
	defer s.busy.Store(false)
	s.closed = true
	s.p.events <- fmt.Sprintf("closed %v", err)
	close(s.p.events)
}
