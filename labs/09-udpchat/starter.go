//go:build starter

package udpchat

import (
	"bufio"
	"fmt"
	"io"
	"net"

	"github.com/netlab-go/netlab/labs/labkit"
)

// Serve reads datagrams on pc and relays each line to every other peer it
// has heard from, until pc is closed; then it returns nil.
func Serve(pc net.PacketConn) error {
	return labkit.Datagrams(pc, MaxDatagram, func(p []byte, from net.Addr) {
		// TODO: this is an echo server: it answers the sender only. UDP has
		// no accept and no connection per client: a peer is the address a
		// datagram came from. Remember every address (a map keyed by
		// from.String()), forget one that sends Quit, and WriteTo each of
		// the others instead.
		pc.WriteTo(p, from)
	})
}

// Chat sends each line the user types (in) as one datagram on conn, a UDP
// socket connected to the server with net.Dial("udp", …), and prints each
// datagram that arrives to out as one line, the moment it arrives. When
// in ends it sends Quit, closes conn and returns once nothing is left
// running.
func Chat(conn net.Conn, in io.Reader, out io.Writer) error {
	typed := bufio.NewScanner(in)
	buf := make([]byte, MaxDatagram)
	for typed.Scan() {
		if _, err := conn.Write(typed.Bytes()); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		// TODO: one datagram is read after each line typed: a line from
		// another peer waits until the user types. Read and print from a
		// receiver goroutine instead (lab 2), and wait for it at the end.
		n, err := conn.Read(buf)
		if err != nil {
			return fmt.Errorf("receive: %w", err)
		}
		fmt.Fprintf(out, "%s\n", buf[:n])
	}
	conn.Write([]byte(Quit))
	return conn.Close()
}
