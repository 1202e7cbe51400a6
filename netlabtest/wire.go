package netlabtest

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Receive reads exactly n bytes from r and returns them, failing the test
// if the stream ends or errs first (a [Dial]ed connection errs after
// [Timeout]).
func Receive(t testing.TB, r io.Reader, n int) []byte {
	t.Helper()
	got := make([]byte, n)
	m, err := io.ReadFull(r, got)
	require.NoError(t, err, "received %q of %d bytes", got[:m], n)
	return got
}

// ReceiveLine reads one line from r and returns it without its "\n".
func ReceiveLine(t testing.TB, r *bufio.Reader) string {
	t.Helper()
	line, err := r.ReadString('\n')
	require.NoError(t, err, "reading a line, got %q", line)
	return strings.TrimSuffix(line, "\n")
}

// Expect reads len(want) bytes from r and fails the test unless they are
// want.
func Expect(t testing.TB, r io.Reader, want string) {
	t.Helper()
	require.Equal(t, want, string(Receive(t, r, len(want))))
}

// RoundTrip sends msg on c and expects it back: c talks to an echo server,
// or to a [Probe] that echoes.
func RoundTrip(t testing.TB, c io.ReadWriter, msg string) {
	t.Helper()
	_, err := c.Write([]byte(msg))
	require.NoError(t, err, "send %q", msg)
	Expect(t, c, msg)
}

// WaitClosed waits until the server closes c, discarding anything it sends
// first, and fails the test if that takes longer than [Timeout].
func WaitClosed(t testing.TB, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(Timeout))
	if _, err := io.Copy(io.Discard, c); err != nil && !IsReset(err) {
		require.NoError(t, err, "waiting for the server to close")
	}
}

// IsReset reports whether err says the peer reset the connection: a server
// that closes a socket with unread input makes the kernel answer with RST
// instead of FIN, so a client that is being closed may see either.
func IsReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		err != nil && strings.Contains(err.Error(), "connection reset")
}
