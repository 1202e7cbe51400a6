//go:build !starter

package duplex

import (
	"bufio"
	"fmt"
	"net"
)

// Talk serves one client in both directions at once: each line the client
// sends is printed on screen as "client: LINE" and echoed back, and each
// line that arrives on keyboard is sent to the client, whoever speaks
// first and however often. It closes conn and returns nil when the client
// hangs up or the keyboard is closed, whichever comes first, once every
// goroutine it started has ended.
func Talk(conn net.Conn, keyboard <-chan string, screen *bufio.Writer) error {
	hungUp := make(chan struct{})
	go func() {
		defer close(hungUp)
		fromClient := bufio.NewScanner(conn)
		for fromClient.Scan() {
			fmt.Fprintf(screen, "client: %s\n", fromClient.Text())
			screen.Flush()
			fmt.Fprintf(conn, "%s\n", fromClient.Text())
		}
	}()
	defer func() {
		conn.Close() // ends the reader's Scan if the keyboard ended first
		<-hungUp
	}()
	for {
		select {
		case line, ok := <-keyboard:
			if !ok {
				return nil
			}
			if _, err := fmt.Fprintf(conn, "%s\n", line); err != nil {
				return nil // the client is gone; the reader says so next
			}
		case <-hungUp:
			return nil
		}
	}
}
