//go:build starter

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
	defer conn.Close()
	fromClient := bufio.NewScanner(conn)
	for {
		// TODO: the server takes turns, and each turn waits for the other
		// side: a quiet client blocks the keyboard here, and a quiet
		// keyboard blocks the client below. Read the client on a goroutine
		// of its own (print, echo), and let Talk's own loop select between
		// a keyboard line and the client hanging up.
		if !fromClient.Scan() {
			return nil
		}
		fmt.Fprintf(screen, "client: %s\n", fromClient.Text())
		screen.Flush()
		fmt.Fprintf(conn, "%s\n", fromClient.Text())

		line, ok := <-keyboard
		if !ok {
			return nil
		}
		fmt.Fprintf(conn, "%s\n", line)
	}
}
