package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"

	"github.com/netlab-go/netlab/udp"
)

// runChatUDP is `netlab chat -udp`: the same room, one datagram a line
// (docs/protocols.md, "Other transports"). A name is asked for in the
// first datagram, which is also the one that joins.
func runChatUDP(ctx context.Context, addr, name string, screen bool, stdin io.Reader, stdout io.Writer) error {
	c, err := udp.Dial(ctx, addr)
	if err != nil {
		return err
	}
	if name != "" {
		if err := c.Send([]byte("/nick " + name + "\n")); err != nil {
			c.Close()
			return err
		}
	}
	if !screen {
		return udp.Chat(ctx, c, stdin, stdout) // closes c
	}
	defer c.Close()
	if name == "" {
		// The first datagram joins: an empty line says nothing.
		if err := c.Send([]byte("\n")); err != nil {
			return err
		}
	}
	feed, stop := udpFeed(c)
	defer stop()
	return runChatScreen(ctx, feed, stdin, stdout, useColor())
}

// udpFeed turns c's datagrams into the chat screen's lines, until "* bye"
// or the socket is closed. UDP has no close: the server never ends the
// session unasked, it only stops answering. stop closes c and waits for
// the reader goroutine.
func udpFeed(c *udp.Client) (chatFeed, func()) {
	lines := make(chan string, linesBufferUDP)
	done := make(chan struct{})
	var rerr error
	go func() {
		defer close(done)
		defer close(lines)
		for {
			d, err := c.Receive(0)
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					rerr = err
				}
				return
			}
			for l := range bytes.Lines(d) {
				line := string(bytes.TrimRight(l, "\r\n"))
				lines <- line
				if line == "* bye" {
					return
				}
			}
		}
	}()
	feed := chatFeed{
		lines: lines,
		err:   func() error { <-done; return rerr },
		send:  func(line string) error { return c.Send([]byte(line + "\n")) },
	}
	stop := func() {
		c.Close()
		for range lines {
		}
		<-done
	}
	return feed, stop
}

// linesBufferUDP is how many received lines wait for the screen before
// the reader stops taking datagrams, which the kernel then drops: over
// UDP a reader that falls behind loses lines, as the transport teaches.
const linesBufferUDP = 256
