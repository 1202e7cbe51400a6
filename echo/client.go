package echo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// Client is a connection to an echo server. It is safe for concurrent use:
// concurrent calls to Echo take turns, each getting back exactly its own bytes.
type Client struct {
	mu   sync.Mutex // serialises exchanges: one Echo's bytes at a time on the wire
	conn net.Conn
	buf  []byte // reply buffer reused across exchanges; guarded by mu
}

// Dial connects to the echo server at addr (host:port).
func Dial(ctx context.Context, addr string) (*Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("echo: dial %s: %w", addr, err)
	}
	return NewClient(conn), nil
}

// NewClient returns a client speaking echo over conn, which it takes
// ownership of.
func NewClient(conn net.Conn) *Client { return &Client{conn: conn} }

// inlineWrite is the largest message Echo writes before it starts reading: up
// to it, the kernel's socket buffers hold the whole exchange, so no second
// goroutine is needed.
const inlineWrite = 32 << 10

// Echo sends p and returns the len(p) bytes that come back, which the caller
// may keep. It fails if the server closes first or sends back anything else.
func (c *Client) Echo(p []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cap(c.buf) < len(p) {
		c.buf = make([]byte, len(p))
	}
	got := c.buf[:len(p)]
	if err := c.exchange(p, got); err != nil {
		return nil, err
	}
	if string(got) != string(p) {
		return nil, errors.New("echo: the server sent back different bytes")
	}
	return append([]byte(nil), got...), nil
}

// exchange writes p and reads len(p) bytes into got. A large message is
// written from a second goroutine while this one reads: a server that stops
// reading while its replies are unread (as netlab's do) would otherwise
// deadlock with a client that writes everything before reading anything.
func (c *Client) exchange(p, got []byte) error {
	if len(p) <= inlineWrite {
		if _, err := c.conn.Write(p); err != nil {
			return fmt.Errorf("echo: write: %w", err)
		}
		if _, err := io.ReadFull(c.conn, got); err != nil {
			return fmt.Errorf("echo: read: %w", err)
		}
		return nil
	}
	werr := make(chan error, 1)
	go func() {
		_, err := c.conn.Write(p)
		werr <- err
	}()
	_, rerr := io.ReadFull(c.conn, got)
	if rerr != nil {
		c.conn.Close() // unblocks the writer
	}
	if err := <-werr; err != nil && rerr == nil {
		return fmt.Errorf("echo: write: %w", err)
	}
	if rerr != nil {
		return fmt.Errorf("echo: read: %w", rerr)
	}
	return nil
}

// CloseWrite half-closes the connection: the server flushes what it still
// owes and closes. Read the rest with [Client.ReadAll].
func (c *Client) CloseWrite() error {
	cw, ok := c.conn.(interface{ CloseWrite() error })
	if !ok {
		return errors.New("echo: connection cannot half-close")
	}
	return cw.CloseWrite()
}

// ReadAll reads until the server closes. After CloseWrite it returns
// everything the server still had to send back.
func (c *Client) ReadAll() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return io.ReadAll(c.conn)
}

// Conn returns the underlying connection, for callers that stream (the
// interactive `netlab echo`). Do not mix it with concurrent Echo calls.
func (c *Client) Conn() net.Conn { return c.conn }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }
