package labkit

import (
	"bufio"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/multiprocess"
	"github.com/netlab-go/netlab/netlabtest"
)

// Patience is how long a lab test waits for something a correct solution
// does at once (a reply, a message from another client). It is short so
// that a starter fails in seconds; a correct solution on loopback answers
// in well under a millisecond, and even -race on a busy two-core machine
// stays far below it.
const Patience = 2 * time.Second

// Main is a lab test's TestMain: a child process of the multiprocess model
// serves its connection and exits, and otherwise the tests run and fail if
// any goroutine outlives them.
func Main(m *testing.M) {
	netlabtest.Main(m, netlabtest.Role{Plays: multiprocess.IsChild, Run: multiprocess.RunChild})
}

// ReadLine reads one line from r within d, returning it without its LF.
// It does not fail the test: the lab test says what a timeout means.
func ReadLine(c net.Conn, r *bufio.Reader, d time.Duration) (string, error) {
	c.SetReadDeadline(time.Now().Add(d))
	defer c.SetReadDeadline(time.Time{})
	line, err := r.ReadString('\n')
	return strings.TrimSuffix(line, "\n"), err
}

// IsTimeout reports whether err is a deadline that passed.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// ExpectLine reads one line within [Patience] and fails the test unless it
// is want. On a timeout it fails with why, the lab's explanation of what a
// server that never answers is doing wrong.
func ExpectLine(t testing.TB, c net.Conn, r *bufio.Reader, want, why string) {
	t.Helper()
	start := time.Now()
	got, err := ReadLine(c, r, Patience)
	if IsTimeout(err) {
		t.Fatalf("waited %.1fs for %q and got nothing: %s", time.Since(start).Seconds(), want, why)
	}
	require.NoError(t, err, "reading the reply %q (got %q so far)", want, got)
	require.Equal(t, want, got, "the line received")
}

// Dial connects to addr within [Patience] and closes the connection when the
// test ends.
func Dial(t testing.TB, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, Patience)
	require.NoError(t, err, "connect to %s", addr)
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

// DialBuffer connects to addr with the socket's buffer option — SO_RCVBUF
// or SO_SNDBUF, from syscall — set to size bytes before it connects, so
// that the window it advertises or the bytes it takes before a write
// blocks stay small, and closes the connection when the test ends. A test
// that needs a server's writes to meet a full socket uses it: the kernel
// otherwise grows its buffers to megabytes.
func DialBuffer(t testing.TB, addr string, option, size int) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: Patience, Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		if cerr := rc.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, option, size) }); cerr != nil {
			return cerr
		}
		return err
	}}
	c, err := d.Dial("tcp", addr)
	require.NoError(t, err, "connect to %s", addr)
	t.Cleanup(func() { c.Close() })
	return c
}

// Send writes s on c, failing the test if the write fails.
func Send(t testing.TB, c net.Conn, s string) {
	t.Helper()
	c.SetWriteDeadline(time.Now().Add(Patience))
	_, err := c.Write([]byte(s))
	require.NoError(t, err, "send %q", s)
}
