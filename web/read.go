package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/netlab-go/netlab"
)

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
			c.srv.counts.Panics.Add(1)
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
