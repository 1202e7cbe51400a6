//go:build !starter

package receiver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// Chat sends every line the user types (read from in) to conn, and prints
// every line that arrives on conn to out the moment it arrives, also while
// the user types nothing. When in ends, Chat closes conn and returns once
// nothing is left running.
func Chat(conn net.Conn, in io.Reader, out io.Writer) error {
	var wg sync.WaitGroup
	wg.Go(func() {
		arrived := bufio.NewScanner(conn)
		for arrived.Scan() {
			fmt.Fprintln(out, arrived.Text())
		}
		// The scan ends when the server closes, or when we close conn.
	})
	typed := bufio.NewScanner(in)
	var err error
	for typed.Scan() {
		if _, err = fmt.Fprintf(conn, "%s\n", typed.Text()); err != nil {
			err = fmt.Errorf("send: %w", err)
			break
		}
	}
	if err == nil && typed.Err() != nil {
		err = fmt.Errorf("read the keyboard: %w", typed.Err())
	}
	err = errors.Join(err, conn.Close())
	wg.Wait()
	return err
}
