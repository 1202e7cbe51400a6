package udp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

// Client is one UDP peer of a netlab server: a connected datagram socket,
// so the kernel filters out datagrams from anyone but the server. Send and
// Receive may be called from two goroutines at once (one sending, one
// receiving); Echo takes both directions and is not for use alongside them.
type Client struct {
	conn *net.UDPConn
	buf  []byte // receive buffer: one datagram of any size
}

// Dial makes a client for the UDP server at addr (host:port). Nothing is
// sent yet: a server knows a peer only from its first datagram.
func Dial(ctx context.Context, addr string) (*Client, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return nil, fmt.Errorf("udp: dial %s: %w", addr, err)
	}
	return &Client{conn: c.(*net.UDPConn), buf: make([]byte, 1<<16)}, nil
}

// Send sends p as one datagram. A p longer than [MaxDatagram] (IPv4) is
// refused by the kernel, and the error says so.
func (c *Client) Send(p []byte) error {
	if _, err := c.conn.Write(p); err != nil {
		return fmt.Errorf("udp: send %d bytes: %w", len(p), err)
	}
	return nil
}

// Receive returns the next datagram, which the caller may keep, waiting
// at most d for it (d <= 0: without a limit). A datagram that never comes
// is an [os.ErrDeadlineExceeded] error: UDP does not say it was lost.
func (c *Client) Receive(d time.Duration) ([]byte, error) {
	var deadline time.Time
	if d > 0 {
		deadline = time.Now().Add(d)
	}
	c.conn.SetReadDeadline(deadline)
	n, err := c.conn.Read(c.buf)
	if err != nil {
		return nil, fmt.Errorf("udp: receive: %w", err)
	}
	return append(make([]byte, 0, n), c.buf[:n]...), nil
}

// Echo sends p and returns the datagram that comes back within d. It does
// not retry: a lost request or reply is an error, which is the point of
// echo over UDP.
func (c *Client) Echo(p []byte, d time.Duration) ([]byte, error) {
	if err := c.Send(p); err != nil {
		return nil, err
	}
	got, err := c.Receive(d)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, fmt.Errorf("udp: no echo within %v (lost, or no server there): %w", d, err)
	}
	return got, err
}

// LocalAddr returns the client's own address: the peer the server sees.
func (c *Client) LocalAddr() net.Addr { return c.conn.LocalAddr() }

// Close closes the socket. The server is not told: it forgets the peer
// after its idle timeout.
func (c *Client) Close() error { return c.conn.Close() }

// Chat runs an interactive chat peer over c: each line read from in is
// sent as one datagram and each datagram received is written to out, until
// in ends (the client then sends /quit), the server says "* bye", or ctx
// ends. The first datagram is an empty line, which joins the room without
// saying anything. It closes c. It does not wait for the goroutine reading
// in when the server ends the chat first: that goroutine ends at in's next
// line or end, as a terminal's reader must.
func Chat(ctx context.Context, c *Client, in io.Reader, out io.Writer) error {
	defer c.Close()
	if err := c.Send([]byte("\n")); err != nil {
		return err
	}
	recv := make(chan error, 1)
	go func() { recv <- c.print(out) }()
	sent := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			if err := c.Send(append(sc.Bytes(), '\n')); err != nil {
				sent <- err
				return
			}
		}
		if err := sc.Err(); err != nil {
			sent <- fmt.Errorf("udp: read input: %w", err)
			return
		}
		sent <- c.Send([]byte("/quit\n"))
	}()
	var err error
	select {
	case err = <-recv:
		c.conn.Close() // the input goroutine's next Send fails; it is not waited for, as stdin may never end
		return err
	case err = <-sent:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err == nil {
		// /quit was sent: wait for the bye, a bounded while, since it may be lost.
		c.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	} else {
		c.conn.Close()
	}
	if rerr := <-recv; err == nil && !errors.Is(rerr, os.ErrDeadlineExceeded) {
		err = rerr
	}
	return err
}

// print writes every datagram to out until "* bye" or an error.
func (c *Client) print(out io.Writer) error {
	for {
		n, err := c.conn.Read(c.buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("udp: receive: %w", err)
		}
		if _, err := out.Write(c.buf[:n]); err != nil {
			return fmt.Errorf("udp: write output: %w", err)
		}
		if strings.TrimRight(string(c.buf[:n]), "\r\n") == "* bye" {
			return nil
		}
	}
}
