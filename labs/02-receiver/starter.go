//go:build starter

package receiver

import (
	"bufio"
	"fmt"
	"io"
	"net"
)

// Chat sends every line the user types (read from in) to conn, and prints
// every line that arrives on conn to out the moment it arrives, also while
// the user types nothing. When in ends, Chat closes conn and returns once
// nothing is left running.
func Chat(conn net.Conn, in io.Reader, out io.Writer) error {
	typed := bufio.NewScanner(in)
	arrived := bufio.NewReader(conn)
	for typed.Scan() {
		if _, err := fmt.Fprintf(conn, "%s\n", typed.Text()); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		// TODO: this reads one line after each line typed, so a message
		// from someone else waits until the user types. Move the reading
		// and printing into a goroutine of its own that runs for as long
		// as conn is open, and delete these lines.
		line, err := arrived.ReadString('\n')
		if err != nil {
			return fmt.Errorf("receive: %w", err)
		}
		fmt.Fprint(out, line)
	}
	// TODO: closing conn is what ends the receiver goroutine's read;
	// wait for it to end before returning.
	return conn.Close()
}
