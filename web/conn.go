package web

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

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
		c.srv.counts.Dropped.Add(1)
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

// quiescent reports whether closing now cuts nothing short: the session is
// between requests. What is queued is not in the way, since an orderly close
// sends it first; waiting for an empty queue would wait forever in a busy
// room.
func (c *conn) quiescent() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == stateOpen && c.idle.Load()
}
