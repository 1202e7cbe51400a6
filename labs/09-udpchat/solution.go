//go:build !starter

package udpchat

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/netlab-go/netlab/labs/labkit"
)

// Serve reads datagrams on pc and relays each line to every other peer it
// has heard from, until pc is closed; then it returns nil.
func Serve(pc net.PacketConn) error {
	peers := map[string]net.Addr{} // only Datagrams's goroutine touches it
	return labkit.Datagrams(pc, MaxDatagram, func(p []byte, from net.Addr) {
		line := bytes.TrimRight(p, "\r\n")
		if string(line) == Quit {
			delete(peers, from.String())
			return
		}
		peers[from.String()] = from
		for key, to := range peers {
			if key != from.String() {
				// A full send buffer loses the datagram, as UDP may.
				pc.WriteTo(line, to)
			}
		}
	})
}

// Chat sends each line the user types (in) as one datagram on conn, a UDP
// socket connected to the server with net.Dial("udp", …), and prints each
// datagram that arrives to out as one line, the moment it arrives. When
// in ends it sends Quit, closes conn and returns once nothing is left
// running.
func Chat(conn net.Conn, in io.Reader, out io.Writer) error {
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, MaxDatagram)
		for {
			n, err := conn.Read(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				// A connected UDP socket reports the ICMP "port
				// unreachable" of an earlier datagram as ECONNREFUSED: the
				// server is not there yet, or any more. Keep listening.
				continue
			}
			fmt.Fprintf(out, "%s\n", buf[:n])
		}
	})
	typed := bufio.NewScanner(in)
	var err error
	for typed.Scan() {
		if _, err = conn.Write(typed.Bytes()); err != nil {
			err = fmt.Errorf("send: %w", err)
			break
		}
	}
	conn.Write([]byte(Quit))
	err = errors.Join(err, conn.Close())
	wg.Wait()
	return err
}
