package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/netlab-go/netlab"
)

// MaxLine is the longest text message a browser may send, in bytes: a chat
// line's limit (docs/protocols.md). A longer message is answered with
// "! line too long" and dropped; the connection stays open.
const MaxLine = 4096

// maxMessage is the longest message read at all. Past it the WebSocket
// library closes the connection with status 1009 (message too big): a
// message between MaxLine and maxMessage is read and discarded, one beyond
// it is not worth the bandwidth.
const maxMessage = 1 << 20

// replyTooLong is what a browser that sent a message over MaxLine is told.
var replyTooLong = []byte("! line too long\n")

// ErrNoFiles is what SendFile returns on a WebSocket connection: the page
// speaks lines, and the file service is not offered over WebSocket.
var ErrNoFiles = errors.New("web: files are not served over WebSocket: use the TCP server")

// closeCode is how a connection's WebSocket is closed: a status and a short
// reason for the peer, or abrupt (no close handshake) when the peer cannot
// be expected to answer.
type closeCode struct {
	status websocket.StatusCode
	reason string
	abrupt bool
}

var (
	closeNormal   = closeCode{status: websocket.StatusNormalClosure}
	closeShutdown = closeCode{status: websocket.StatusGoingAway, reason: "server shutting down"}
	closeIdle     = closeCode{status: websocket.StatusGoingAway, reason: "idle timeout"}
	closeBinary   = closeCode{status: websocket.StatusUnsupportedData, reason: "binary messages are not supported: send text"}
	closeBusy     = closeCode{status: websocket.StatusTryAgainLater, reason: "server busy"}
	closeDropped  = closeCode{abrupt: true}
)

// Conn states. A conn only moves forward through them.
const (
	stateOpen    = iota // reading and sending
	stateClosing        // Close was called: flush the queue, then the close handshake
	stateClosed         // dropped: the queue is discarded, the socket goes now
)

// conn runs one session over one WebSocket and implements [netlab.Conn] for
// it. The handler's goroutine reads messages and runs the session; Send only
// queues, and a writer goroutine turns the queued bytes into one text
// message per line.
type conn struct {
	srv  *Server
	ws   *websocket.Conn
	peer net.Addr
	sess netlab.Session

	// ctx is what the reader and the writer wait under; cancel ends both
	// at once by closing the socket, which is how a connection is dropped
	// without waiting for a browser that may never answer.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	cond    sync.Cond // signalled when queue or state change; L is &mu
	queue   [][]byte  // bytes Sent and not yet taken by the writer; guarded by mu
	queued  int       // bytes in queue and being written; guarded by mu
	state   int       // guarded by mu
	code    closeCode // how to close the WebSocket; guarded by mu
	err     error     // why the connection ended, for Closed; guarded by mu
	partial []byte    // the writer's unfinished line; writer-owned

	lastActive atomic.Int64 // unix nanos of the last message received
	idle       atomic.Bool  // the session said it is between requests
}

var _ netlab.Conn = (*conn)(nil)

func newConn(ctx context.Context, s *Server, ws *websocket.Conn, peer net.Addr) *conn {
	c := &conn{srv: s, ws: ws, peer: peer}
	c.ctx, c.cancel = context.WithCancel(ctx)
	c.cond.L = &c.mu
	c.lastActive.Store(time.Now().UnixNano())
	c.idle.Store(true)
	return c
}

// serve runs the session to its end: it starts the writer, reads until the
// browser leaves, the session closes, the idle timeout fires or the server
// stops, waits for the writer's close handshake, and reports Closed.
func (c *conn) serve() {
	defer c.cancel()
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop()
	}()
	stopIdle := c.watchIdle()
	if c.call(func() { c.sess = c.srv.svc.Open(c) }) {
		c.updateIdle()
		c.readLoop()
	}
	stopIdle()
	<-writerDone
	c.ws.CloseNow() // after an orderly close a no-op
	c.mu.Lock()
	c.state = stateClosed // from now on Send says ErrConnClosed, drop does nothing
	c.queue = nil
	err := c.err
	c.mu.Unlock()
	if c.sess != nil {
		c.call(func() { c.sess.Closed(err) })
	}
	c.srv.log.Debug("web: closed", "peer", c.peer, "err", err)
}

// readLoop hands each text message to the session as one line, until the
// connection stops being open or the read fails.
func (c *conn) readLoop() {
	buf := make([]byte, MaxLine+2)
	for c.State() == stateOpen {
		typ, r, err := c.ws.Reader(c.ctx)
		if err != nil {
			c.ended(err)
			return
		}
		if c.State() != stateOpen {
			return // closing: what the browser says now is not read
		}
		c.lastActive.Store(time.Now().UnixNano())
		if typ != websocket.MessageText {
			c.drop(closeBinary, errors.New("web: binary message"))
			return
		}
		line, err := readLine(r, buf)
		switch {
		case errors.Is(err, errTooLong):
			c.Send(replyTooLong)
		case err != nil:
			c.ended(err)
			return
		default:
			c.srv.log.Debug("web: recv", "peer", c.peer, "bytes", len(line))
			if !c.call(func() { c.sess.Data(line) }) {
				return
			}
			c.updateIdle()
		}
	}
}

var errTooLong = errors.New("web: message too long")

// readLine reads one message into buf (of MaxLine+2 bytes) and ends it with
// the LF that makes it a line for the session; a message that already ends
// in LF keeps its own. A message over MaxLine bytes (not counting that LF)
// is read to its end and discarded, never held.
func readLine(r io.Reader, buf []byte) ([]byte, error) {
	n, err := io.ReadFull(r, buf)
	switch {
	case err == nil: // MaxLine+2 bytes and maybe more: too long whatever they are
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		line := bytes.TrimSuffix(buf[:n], []byte("\n"))
		if len(line) <= MaxLine {
			return append(line, '\n'), nil
		}
	default:
		return nil, err
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, err
	}
	return nil, errTooLong
}

// ended records why the read failed and drops the connection: the browser
// closed it, the network failed, or the server is stopping.
func (c *conn) ended(err error) {
	switch status := websocket.CloseStatus(err); {
	case status == websocket.StatusNormalClosure, status == websocket.StatusGoingAway:
		err = nil // the browser left: an orderly close
	case status != -1:
		err = fmt.Errorf("web: browser closed with status %d: %w", status, err)
	default:
		err = fmt.Errorf("web: read: %w", err)
	}
	c.drop(closeDropped, err)
}

// call runs a session method, turning a panic into a dropped connection, as
// the TCP models do. It reports whether f returned.
func (c *conn) call(f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			c.srv.panics.Add(1)
			c.srv.log.Error("web: session panicked; connection closed", "peer", c.peer, "panic", r)
			c.drop(closeCode{status: websocket.StatusInternalError, reason: "internal error"}, fmt.Errorf("web: session panicked: %v", r))
			ok = false
		}
	}()
	f()
	return true
}

// updateIdle asks the session whether it is between requests, for Shutdown.
func (c *conn) updateIdle() {
	if i, ok := c.sess.(netlab.Idler); ok {
		var idle bool
		if c.call(func() { idle = i.Idle() }) {
			c.idle.Store(idle)
		}
	}
}

// watchIdle closes the connection once nothing was received for the idle
// timeout. A timer that rearms itself from lastActive costs nothing per
// message; it returns the function that stops it.
func (c *conn) watchIdle() (stop func()) {
	timeout := c.srv.cfg.IdleTimeout
	if timeout <= 0 {
		return func() {}
	}
	var mu sync.Mutex
	var t *time.Timer
	stopped := false
	check := func() {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		since := time.Since(time.Unix(0, c.lastActive.Load()))
		if since >= timeout {
			c.srv.log.Debug("web: idle timeout", "peer", c.peer)
			c.drop(closeIdle, fmt.Errorf("web: idle for %v", timeout))
			return
		}
		t.Reset(timeout - since)
	}
	mu.Lock()
	t = time.AfterFunc(timeout, check)
	mu.Unlock()
	return func() {
		mu.Lock()
		stopped = true
		t.Stop()
		mu.Unlock()
	}
}

// State returns the connection's state.
func (c *conn) State() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Send implements [netlab.Conn.Send]: it queues a copy of p for the writer.
func (c *conn) Send(p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateOpen {
		return netlab.ErrConnClosed
	}
	if c.queued+len(p) > c.srv.cfg.MaxPending {
		c.srv.dropped.Add(1)
		c.srv.log.Debug("web: send queue overflow; dropping client", "peer", c.peer, "queued", c.queued)
		c.dropLocked(closeDropped, netlab.ErrOverflow)
		return netlab.ErrOverflow
	}
	c.queue = append(c.queue, append([]byte(nil), p...))
	c.queued += len(p)
	c.cond.Broadcast()
	return nil
}

// SendFile implements [netlab.Conn.SendFile]: it closes f and returns
// [ErrNoFiles].
func (c *conn) SendFile(f *os.File, off, n int64) error {
	f.Close()
	return ErrNoFiles
}

// Close implements [netlab.Conn.Close]: what is queued is sent, then the
// WebSocket is closed with status 1000.
func (c *conn) Close() error {
	c.closeWith(closeNormal)
	return nil
}

// closeWith starts an orderly close: flush the queue, then close with code.
func (c *conn) closeWith(code closeCode) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateOpen {
		return
	}
	c.state, c.code = stateClosing, code
	c.cond.Broadcast()
}

// drop ends the connection now, discarding what is queued. The first reason
// given is the one the session hears.
func (c *conn) drop(code closeCode, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropLocked(code, err)
}

func (c *conn) dropLocked(code closeCode, err error) {
	if c.state == stateClosed {
		return
	}
	if c.state == stateOpen || code.abrupt {
		c.code = code
	}
	c.state, c.err = stateClosed, err
	c.queue = nil
	c.cond.Broadcast()
	if code.abrupt {
		// The writer may be blocked on a browser that does not read, the
		// reader on one that sends nothing: cancelling their context
		// closes the socket under both without waiting for anyone.
		c.cancel()
	}
}

// RemoteAddr implements [netlab.Conn.RemoteAddr].
func (c *conn) RemoteAddr() net.Addr { return c.peer }

// quiescent reports whether closing now cuts nothing short.
func (c *conn) quiescent() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == stateOpen && c.queued == 0 && c.idle.Load()
}

// writeLoop sends what is queued, one text message per line, until the
// connection closes; then it closes the WebSocket as the state says.
func (c *conn) writeLoop() {
	for {
		c.mu.Lock()
		for c.state == stateOpen && len(c.queue) == 0 {
			c.cond.Wait()
		}
		if c.state == stateClosed || (c.state == stateClosing && len(c.queue) == 0) {
			state, code := c.state, c.code
			c.mu.Unlock()
			if state == stateClosing && len(c.partial) > 0 {
				c.writeMessage(c.partial) // a last line without its LF
			}
			c.closeSocket(code)
			return
		}
		batch := c.queue
		c.queue = nil
		c.mu.Unlock()

		cost := 0
		var err error
		for _, p := range batch {
			cost += len(p)
			if err == nil {
				err = c.writeLines(p)
			}
		}
		c.mu.Lock()
		c.queued -= cost
		c.mu.Unlock()
		if err != nil {
			c.drop(closeDropped, fmt.Errorf("web: write: %w", err))
		}
	}
}

// writeLines sends each complete line of p as one message, without its LF
// (and without a CR before it), keeping an unfinished tail for later.
func (c *conn) writeLines(p []byte) error {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			c.partial = append(c.partial, p...)
			return nil
		}
		line := p[:i]
		if len(c.partial) > 0 {
			line = append(c.partial, line...)
		}
		p = p[i+1:]
		err := c.writeMessage(bytes.TrimSuffix(line, []byte("\r")))
		c.partial = c.partial[:0]
		if err != nil {
			return err
		}
	}
	return nil
}

// writeMessage sends one text message. A text message must be UTF-8, so
// bytes that are not (an echo of binary input) are sent as U+FFFD. A write
// that takes longer than the idle timeout means the browser stopped reading.
func (c *conn) writeMessage(line []byte) error {
	ctx := c.ctx
	if timeout := c.srv.cfg.IdleTimeout; timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	if !utf8.Valid(line) {
		line = []byte(strings.ToValidUTF8(string(line), "\uFFFD"))
	}
	return c.ws.Write(ctx, websocket.MessageText, line)
}

// closeSocket ends the WebSocket: a close handshake with code's status, or
// at once if code is abrupt.
func (c *conn) closeSocket(code closeCode) {
	if code.abrupt {
		c.ws.CloseNow()
		return
	}
	c.ws.Close(code.status, code.reason)
}
