package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/netlab-go/netlab"
)

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
		switch {
		case errors.Is(err, netlab.ErrOverflow):
			c.srv.counts.Dropped.Add(1)
			c.drop(closeDropped, err)
		case err != nil:
			c.drop(closeDropped, fmt.Errorf("web: write: %w", err))
		}
	}
}

// writeLines sends each complete line of p as one message, without its LF
// (and without a CR before it), keeping an unfinished tail for later. The
// tail counts against the connection's bound like queued output: a service
// that never ends its line cannot make the writer hold without limit.
func (c *conn) writeLines(p []byte) error {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if len(c.partial)+len(p) > c.srv.cfg.MaxPending {
				return netlab.ErrOverflow
			}
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
