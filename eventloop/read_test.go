//go:build linux

package eventloop_test

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/netlabtest"
)

// A client that sends without reading must be stopped by TCP flow control,
// not buffered by the server: once its queued echo passes the high-water
// mark the loop stops reading it. Every byte still comes back once the
// client reads, and Dropped stays zero, which shows the queue never passed
// MaxPending (Send drops a client the moment it would).
func TestBackpressureStopsReadingAClientThatDoesNotRead(t *testing.T) {
	const maxPending = 64 << 10
	const total = 16 << 20
	onPause, paused := netlabtest.Signal()
	onResume, resumed := netlabtest.Signal()
	srv, addr := start(t, echo.New(), netlab.Config{MaxPending: maxPending}, eventloop.Options{Loops: 1},
		func(s *eventloop.Server) { eventloop.SetTestHooks(s, onPause, onResume, nil) })

	// Small socket buffers, so that the kernel cannot soak up the whole
	// stream either: the client's writes must block.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 64<<10)
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 64<<10)
		})
	}}
	nc, err := d.Dial("tcp", addr)
	require.NoError(t, err)
	c := nc.(*net.TCPConn)
	t.Cleanup(func() { c.Close() })

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	werr := make(chan error, 1)
	go func() {
		r := rand.New(rand.NewPCG(1, 2))
		buf := make([]byte, 32<<10)
		for sent := 0; sent < total; sent += len(buf) {
			fill(r, buf)
			if _, err := c.Write(buf); err != nil {
				werr <- err
				return
			}
		}
		werr <- c.CloseWrite()
	}()

	netlabtest.Await(t, paused, "the loop to stop reading the client")
	var during runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&during)
	assert.LessOrEqual(t, int64(during.HeapAlloc)-int64(before.HeapAlloc), int64(4<<20),
		"heap growth while the client did not read; MaxPending is %d", maxPending)

	// Now read it all back and check it.
	r := rand.New(rand.NewPCG(1, 2))
	want := make([]byte, 32<<10)
	got := make([]byte, len(want))
	br := bufio.NewReaderSize(c, 64<<10)
	for n := 0; n < total; n += len(got) {
		fill(r, want)
		_, err := io.ReadFull(br, got)
		require.NoError(t, err, "read back at byte %d", n)
		netlabtest.SameBytes(t, fmt.Sprintf("bytes %d..%d", n, n+len(got)), got, want)
	}
	rest, err := io.ReadAll(br)
	require.NoError(t, err, "after the echo")
	assert.Empty(t, rest, "after the echo: want end of stream")
	require.NoError(t, <-werr, "write")
	netlabtest.Await(t, resumed, "the loop to read the client again")
	assert.Zero(t, srv.Stats().Dropped, "Stats.Dropped: the queue passed MaxPending")
}

func fill(r *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}
