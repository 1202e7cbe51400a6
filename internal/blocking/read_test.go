package blocking_test

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/netlabtest"
)

// A client that sends but never reads must be stopped by TCP flow control,
// not buffered by the server: once the echo queued for it passes
// MaxPending/2, the engine stops reading from it. The probe checks that
// rule on every Data call, and tells the test when the queue first passes
// the mark, so the test knows the client is at that point being held back.
func TestBackpressureStopsReadingAClientThatDoesNotRead(t *testing.T) {
	const (
		maxPending = 64 << 10
		highWater  = maxPending / 2
		total      = 16 << 20
	)
	var (
		over       = make(chan struct{})
		overOnce   sync.Once
		violations atomic.Int64 // Data calls made while the queue was above the mark
	)
	svc := &netlabtest.Probe{OnData: func(c netlab.Conn, p []byte) {
		if queued(c) > highWater {
			violations.Add(1)
		}
		c.Send(p)
		if queued(c) > highWater {
			overOnce.Do(func() { close(over) })
		}
	}}
	srv := startTight(t, svc, netlab.Config{MaxPending: maxPending})
	client := dialTight(t, srv.addr)

	msg := netlabtest.Pattern(total, 2)
	wrote := make(chan error, 1)
	go func() {
		_, err := client.Write(msg)
		if err == nil {
			err = client.CloseWrite()
		}
		wrote <- err
	}()

	netlabtest.Await(t, over, "the queue to pass MaxPending/2")
	// The engine has taken at most a few socket buffers and MaxPending: the
	// client cannot have written all 16 MiB, and nobody was dropped.
	select {
	case err := <-wrote:
		require.Fail(t, "nothing held the client back", "it wrote all %d bytes (%v) although it read none", total, err)
	default:
	}
	require.Zero(t, srv.Stats().Dropped, "Stats().Dropped")

	// Now the client reads; the engine resumes reading, and everything
	// comes back, in order, followed by the end of the stream.
	got, err := io.ReadAll(client)
	require.NoError(t, err, "read")
	netlabtest.SameBytes(t, "the echo", got, msg)
	require.NoError(t, netlabtest.Await(t, wrote, "the client's write"), "write")
	assert.Zero(t, violations.Load(), "the session was handed bytes")
}

// A client that half-closes gets Session.EOF, then everything queued, then
// the end of the stream; the session hears nothing more but Closed(nil).
func TestEOFFlushesAndCloses(t *testing.T) {
	var (
		mu     sync.Mutex
		events []string // the session's calls, a run of Data calls as one "data"
	)
	record := func(e string) {
		mu.Lock()
		defer mu.Unlock()
		if e != "data" || len(events) == 0 || events[len(events)-1] != "data" {
			events = append(events, e)
		}
	}
	done := make(chan struct{})
	svc := &netlabtest.Probe{
		OnOpen: func(netlab.Conn) { record("open") },
		OnData: func(c netlab.Conn, p []byte) {
			record("data")
			c.Send(p)
		},
		OnEOF: func(c netlab.Conn) {
			record("eof")
			c.Send([]byte("that was all\n"))
		},
		OnClosed: func(_ netlab.Conn, err error) {
			record(fmt.Sprintf("closed %v", err))
			close(done)
		},
	}
	srv := start(t, svc, netlab.Config{})
	client := netlabtest.Dial(t, srv.addr)
	_, err := client.Write([]byte("hello\n"))
	require.NoError(t, err)
	require.NoError(t, client.CloseWrite())
	got, err := io.ReadAll(client)
	require.NoError(t, err, "read")
	assert.Equal(t, "hello\nthat was all\n", string(got), "the echo, the goodbye and the end of the stream")
	netlabtest.Await(t, done, "Closed")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"open", "data", "eof", "closed <nil>"}, events, "what the session saw")
}
