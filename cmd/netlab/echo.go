package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/netlab-go/netlab/echo"
)

// runEcho copies standard input to the server and the server's answer to
// standard output, concurrently, so it works typed at a terminal or fed a
// file. At end of input it half-closes and prints what is still coming back.
func runEcho(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("echo", stderr)
	addr := fs.String("addr", "127.0.0.1:7007", "echo server address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := echo.Dial(ctx, *addr)
	if err != nil {
		return err
	}
	defer c.Close()
	conn := c.Conn()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	go func() {
		io.Copy(conn, stdin)
		c.CloseWrite()
	}()
	_, err = io.Copy(stdout, conn)
	if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("echo: %w", err)
	}
	return nil
}
