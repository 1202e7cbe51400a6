package filesrv

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"time"
)

// midway marks the error of an operation that already had effects (bytes
// written to the caller's writer), so that do does not retry it. A nil
// error stays nil.
type midway struct{ error }

func (m midway) Unwrap() error { return m.error }

// do runs op on a connection and returns the connection to the idle set if
// op succeeded or failed with a protocol error (an ERR leaves the
// connection usable, except after PUT). If reuse is set, op may get an idle
// connection; if that one turns out to have been closed by the server (the
// idle timeout), op is run once more on a fresh one.
//
// ctx bounds op: its deadline becomes the connection's, and its
// cancellation moves the deadline to the past, which fails any read or
// write in progress at once.
func (c *Client) do(ctx context.Context, reuse bool, op func(*clientConn) error) error {
	for attempt := 0; ; attempt++ {
		var cc *clientConn
		if reuse && attempt == 0 {
			cc = c.takeIdle()
		}
		fresh := cc == nil
		if fresh {
			var err error
			if cc, err = c.dial(ctx); err != nil {
				return err
			}
		}
		if d, ok := ctx.Deadline(); ok {
			cc.nc.SetDeadline(d)
		} else {
			cc.nc.SetDeadline(time.Time{})
		}
		stop := context.AfterFunc(ctx, func() { cc.nc.SetDeadline(time.Unix(1, 0)) })
		err := op(cc)
		cancelled := !stop()
		var perr *ProtocolError
		switch {
		case err == nil && !cancelled:
			c.release(cc)
			return nil
		case errors.As(err, &perr) && !cancelled:
			if reuse { // not a PUT: the connection is still in step
				c.release(cc)
			} else {
				cc.nc.Close()
			}
			return err
		}
		cc.nc.Close()
		if cancelled {
			return context.Cause(ctx)
		}
		var mw midway
		if errors.As(err, &mw) || fresh || !stale(err) {
			return err
		}
	}
}

// stale reports whether err is what a connection the server closed while
// it sat idle gives on first use.
func stale(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func (c *Client) dial(ctx context.Context) (*clientConn, error) {
	nc, err := c.dialer.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, fmt.Errorf("filesrv: dial %s: %w", c.addr, err)
	}
	return &clientConn{nc: nc, r: bufio.NewReaderSize(nc, 64<<10)}, nil
}

func (c *Client) takeIdle() *clientConn {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.idle); n > 0 {
		cc := c.idle[n-1]
		c.idle = c.idle[:n-1]
		return cc
	}
	return nil
}

func (c *Client) release(cc *clientConn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || len(c.idle) >= maxIdle {
		cc.nc.Close()
		return
	}
	c.idle = append(c.idle, cc)
}

func (cc *clientConn) send(s string) error {
	_, err := io.WriteString(cc.nc, s)
	return err
}

// line reads one reply line, without its LF. A line longer than the read
// buffer is not a reply this protocol has.
func (cc *clientConn) line() (string, error) {
	b, err := cc.r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return "", errors.New("reply line too long")
		}
		if errors.Is(err, io.EOF) && len(b) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	return strings.TrimSuffix(string(b[:len(b)-1]), "\r"), nil
}

// okCount reads "OK N" and returns N; an ERR comes back as its
// [ProtocolError].
func (cc *clientConn) okCount() (int64, error) {
	line, err := cc.line()
	if err != nil {
		return 0, err
	}
	if strings.HasPrefix(line, "ERR ") {
		return 0, parseErr(line)
	}
	n, ok := parseCount(strings.TrimPrefix(line, "OK "))
	if !strings.HasPrefix(line, "OK ") || !ok {
		return 0, fmt.Errorf("unexpected reply %q", line)
	}
	return n, nil
}

func (cc *clientConn) hash(name string) (string, error) {
	if err := cc.send("HASH " + name + "\n"); err != nil {
		return "", err
	}
	line, err := cc.line()
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(line, "ERR ") {
		return "", parseErr(line)
	}
	sum, ok := strings.CutPrefix(line, "OK ")
	if _, err := hex.DecodeString(sum); !ok || err != nil || len(sum) != 2*sha256.Size {
		return "", fmt.Errorf("unexpected reply %q", line)
	}
	return sum, nil
}

// parseErr turns an "ERR REASON" line into its sentinel, or a new
// ProtocolError for a reason this client does not know.
func parseErr(line string) error {
	reason := strings.TrimPrefix(line, "ERR ")
	if e, ok := reasons[reason]; ok {
		return e
	}
	return &ProtocolError{Reason: reason}
}
