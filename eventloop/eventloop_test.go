//go:build linux

package eventloop_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/netlabtest"
)

func TestNewRejectsANegativeLoopCount(t *testing.T) {
	_, err := eventloop.New(echo.New(), netlab.Config{}, eventloop.Options{Loops: -1})
	assert.Error(t, err, "New accepted Loops: -1")
}

func TestServeRejectsAListenerWithoutAnFd(t *testing.T) {
	srv, err := eventloop.New(echo.New(), netlab.Config{}, eventloop.Options{})
	require.NoError(t, err)
	l, err := net.Listen("unix", filepath.Join(t.TempDir(), "sock"))
	require.NoError(t, err)
	err = srv.Serve(l)
	require.Error(t, err, "Serve on a unix listener")
	assert.NotErrorIs(t, err, netlab.ErrServerClosed, "Serve on a unix listener must explain")
	srv.Close()
}

// Many connections cost no goroutines: that is the model.
func TestConnectionsCostNoGoroutines(t *testing.T) {
	_, addr := start(t, echo.New(), netlab.Config{}, eventloop.Options{Loops: 2}, nil)
	before := runtime.NumGoroutine()
	const n = 200
	for i := range n {
		c := netlabtest.Dial(t, addr)
		msg := fmt.Appendf(nil, "client %d\n", i)
		c.Write(msg)
		netlabtest.Expect(t, c, string(msg))
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before+10, "goroutines with %d clients connected, %d before", n, before)
}

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

// A Send from a goroutine that is not the loop's reaches a client whose loop
// sleeps in epoll_wait with no timer set (no idle timeout). The first Send
// while it sleeps writes at once; the one right after it queues and wakes
// the loop through the eventfd, the only thing that can end that sleep.
func TestSendFromAnotherGoroutineReachesASleepingLoop(t *testing.T) {
	conns := make(chan netlab.Conn, 1)
	svc := &netlabtest.Probe{OnOpen: func(c netlab.Conn) { conns <- c }}
	_, addr := start(t, svc, netlab.Config{IdleTimeout: -1}, eventloop.Options{Loops: 1}, nil)
	c := netlabtest.Dial(t, addr)
	sc := netlabtest.Await(t, conns, "the session to open")
	for i := range 3 {
		first, second := fmt.Sprintf("pushed %d\n", i), fmt.Sprintf("then %d\n", i)
		require.NoError(t, sc.Send([]byte(first)), "Send")
		require.NoError(t, sc.Send([]byte(second)), "Send")
		netlabtest.Expect(t, c, first+second)
	}

	t.Run("what the socket does not take at once follows in order", func(t *testing.T) {
		// Half of MaxPending, sent while the client reads nothing: more
		// than a fresh loopback socket takes, so the write at once is
		// partial and the loop sends the rest.
		big := netlabtest.Pattern(netlab.DefaultMaxPending/2, 9)
		require.NoError(t, sc.Send(big), "Send")
		require.NoError(t, sc.Send([]byte("after\n")), "Send")
		netlabtest.SameBytes(t, "the large send", netlabtest.Receive(t, c, len(big)), big)
		netlabtest.Expect(t, c, "after\n")
	})
}

// A session on one loop sending to a connection on another (chat fan-out)
// reaches it, written at once while the other loop sleeps or through that
// loop's queue and eventfd.
func TestSendAcrossLoops(t *testing.T) {
	var mu sync.Mutex
	var peers []netlab.Conn
	opened := make(chan netlab.Conn, 2)
	svc := &netlabtest.Probe{
		OnOpen: func(c netlab.Conn) {
			mu.Lock()
			peers = append(peers, c)
			mu.Unlock()
			opened <- c
		},
		OnData: func(c netlab.Conn, p []byte) { // relay to every other client
			mu.Lock()
			defer mu.Unlock()
			for _, o := range peers {
				if o != c {
					o.Send(p)
				}
			}
		},
	}
	_, addr := start(t, svc, netlab.Config{}, eventloop.Options{Loops: 2}, nil)
	a := netlabtest.Dial(t, addr)
	b := netlabtest.Dial(t, addr)
	ca, cb := netlabtest.Await(t, opened, "a session to open"), netlabtest.Await(t, opened, "a session to open")
	require.False(t, eventloop.SameLoop(ca, cb), "two connections on a two-loop server share a loop: least-connections should have split them")
	b.Write([]byte("from b\n"))
	assert.Equal(t, "from b", netlabtest.ReceiveLine(t, bufio.NewReader(a)))
	a.Write([]byte("from a\n"))
	assert.Equal(t, "from a", netlabtest.ReceiveLine(t, bufio.NewReader(b)))
}

// File regions are sent with sendfile(2), in order with the bytes around
// them, count FileRegionCost rather than their length against MaxPending,
// and are closed by the Conn once sent.
func TestSendFile(t *testing.T) {
	content := make([]byte, 8<<20)
	fill(rand.New(rand.NewPCG(3, 4)), content)
	path := filepath.Join(t.TempDir(), "blob")
	require.NoError(t, os.WriteFile(path, content, 0o600))
	const off = 1000
	n := int64(len(content) - 2*off)
	sent := make(chan *os.File, 1)
	svc := &netlabtest.Probe{OnData: func(c netlab.Conn, p []byte) {
		f, err := os.Open(path)
		if err != nil {
			panic(err)
		}
		c.Send([]byte("BEGIN\n"))
		if err := c.SendFile(f, off, n); err != nil {
			panic(err)
		}
		c.Send([]byte("\nEND\n"))
		c.Close()
		sent <- f
	}}
	_, addr := start(t, svc, netlab.Config{MaxPending: 4096}, eventloop.Options{Loops: 1}, nil)
	c := netlabtest.Dial(t, addr)
	c.Write([]byte("GET\n"))
	got, err := io.ReadAll(c)
	require.NoError(t, err, "read")
	want := slices.Concat([]byte("BEGIN\n"), content[off:off+n], []byte("\nEND\n"))
	netlabtest.SameBytes(t, "the file region between the lines", got, want)
	f := netlabtest.Await(t, sent, "the session to send the file")
	require.ErrorIs(t, f.Close(), os.ErrClosed, "the Conn must close the file once it is sent")
}

func TestSendFileOnAClosedConnClosesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, []byte("x"), 0o600)
	results := make(chan error, 2)
	svc := &netlabtest.Probe{OnData: func(c netlab.Conn, p []byte) {
		c.Close()
		f, _ := os.Open(path)
		results <- c.SendFile(f, 0, 1)
		results <- f.Close()
	}}
	_, addr := start(t, svc, netlab.Config{}, eventloop.Options{Loops: 1}, nil)
	c := netlabtest.Dial(t, addr)
	c.Write([]byte("x"))
	assert.ErrorIs(t, netlabtest.Await(t, results, "SendFile"), netlab.ErrConnClosed, "SendFile after Close")
	assert.ErrorIs(t, netlabtest.Await(t, results, "Close"), os.ErrClosed, "the file must be closed already")
	netlabtest.WaitClosed(t, c)
}

// A session that panics loses its own connection, is counted, still gets
// Closed (if it was opened), and the other sessions on the loop never notice.
func TestPanicsAreRecoveredPerSession(t *testing.T) {
	tests := []struct {
		name    string
		arm     func(svc *netlabtest.Probe, opened *atomic.Int64)
		provoke func(c *net.TCPConn)
		want    string // what Closed is told; "-" if it must not be called
	}{
		{"in Open", func(svc *netlabtest.Probe, opened *atomic.Int64) {
			svc.OnOpen = func(netlab.Conn) {
				if opened.Add(1) == 2 { // the bystander is the first
					panic("open")
				}
			}
		}, func(*net.TCPConn) {}, "-"},
		{"in Data", func(svc *netlabtest.Probe, _ *atomic.Int64) {
			svc.OnData = func(c netlab.Conn, p []byte) {
				if bytes.HasPrefix(p, []byte("panic")) {
					panic("data")
				}
				c.Send(p)
			}
		}, func(c *net.TCPConn) { c.Write([]byte("panic\n")) }, "session panicked: data"},
		{"in EOF", func(svc *netlabtest.Probe, _ *atomic.Int64) {
			svc.OnEOF = func(netlab.Conn) { panic("eof") }
		}, func(c *net.TCPConn) { c.CloseWrite() }, "session panicked: eof"},
		{"in Closed", func(svc *netlabtest.Probe, _ *atomic.Int64) {
			inner := svc.OnClosed
			svc.OnClosed = func(c netlab.Conn, err error) {
				inner(c, err)
				panic("closed")
			}
		}, func(c *net.TCPConn) { c.CloseWrite() }, "<nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			onClose, closed := netlabtest.Closes()
			svc := &netlabtest.Probe{OnClosed: onClose}
			var opened atomic.Int64
			tt.arm(svc, &opened)
			srv, addr := start(t, svc, netlab.Config{}, eventloop.Options{Loops: 1}, nil)

			bystander := netlabtest.Dial(t, addr)
			netlabtest.RoundTrip(t, bystander, "before\n")
			victim := netlabtest.Dial(t, addr)
			tt.provoke(victim)
			netlabtest.WaitClosed(t, victim)
			if tt.want != "-" {
				err := netlabtest.Await(t, closed, "Closed")
				assert.True(t, strings.HasSuffix(fmt.Sprint(err), tt.want), "Closed(%v), want %s", err, tt.want)
			}
			// The loop serves the bystander only after it is done
			// with the victim, so the counters are settled by now.
			netlabtest.RoundTrip(t, bystander, "after\n")
			if tt.want == "-" {
				assert.Empty(t, closed, "Closed was called for a session that never opened")
			}
			assert.EqualValues(t, 1, srv.Stats().Panics, "Stats.Panics")
		})
	}
}

// A connection that sends nothing for the idle timeout is closed by the
// server, and its session is told why.
func TestIdleTimeoutClosesASilentConnection(t *testing.T) {
	onClose, closed := netlabtest.Closes()
	svc := &netlabtest.Probe{OnClosed: onClose}
	_, addr := start(t, svc, netlab.Config{IdleTimeout: 50 * time.Millisecond}, eventloop.Options{Loops: 1}, nil)
	c := netlabtest.Dial(t, addr)
	netlabtest.RoundTrip(t, c, "still here\n")
	netlabtest.WaitClosed(t, c) // and then silence
	assert.ErrorContains(t, netlabtest.Await(t, closed, "Closed"), "idle for 50ms", "Closed, want the idle timeout")
}

// Idleness is about what the client sends (docs/protocols.md): a connection that
// only receives — a chat member who listens — idles out however much it is
// sent.
func TestRepliesAloneDoNotKeepAConnectionAlive(t *testing.T) {
	onOpen, conns := netlabtest.Opens()
	onClose, closed := netlabtest.Closes()
	svc := &netlabtest.Probe{OnOpen: onOpen, OnClosed: onClose}
	_, addr := start(t, svc, netlab.Config{IdleTimeout: 100 * time.Millisecond}, eventloop.Options{Loops: 1}, nil)
	c := netlabtest.Dial(t, addr)
	sc := netlabtest.Await(t, conns, "the session to open")
	r := bufio.NewReader(c)
	// Ping-pong from the server's side until it gives up on the client:
	// bounded by the idle timeout, or by the connection's deadline if
	// replies wrongly count as activity.
	for sc.Send([]byte("tick\n")) == nil {
		if _, err := r.ReadString('\n'); err != nil {
			var ne net.Error
			require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server's replies kept the connection open until the client's deadline")
			break
		}
	}
	assert.ErrorContains(t, netlabtest.Await(t, closed, "Closed"), "idle for", "Closed, want the idle timeout")
}

// Beyond MaxConns a client gets the service's busy reply and is closed;
// once a slot frees up, the next client is served.
func TestMaxConnsTurnsAwayTheNextClientBusy(t *testing.T) {
	closed := make(chan error, 1)
	svc := &netlabtest.Probe{Busy: []byte("busy\n"), OnClosed: func(_ netlab.Conn, err error) { closed <- err }}
	srv, addr := start(t, svc, netlab.Config{MaxConns: 1}, eventloop.Options{Loops: 2}, nil)
	a := netlabtest.Dial(t, addr)
	netlabtest.RoundTrip(t, a, "a\n")

	b := netlabtest.Dial(t, addr)
	got, err := io.ReadAll(b)
	require.NoError(t, err, "the client over the limit")
	assert.Equal(t, "busy\n", string(got), "the client over the limit gets the busy reply, then end of stream")
	st := srv.Stats()
	assert.EqualValues(t, 1, st.Accepted, "Stats.Accepted")
	assert.EqualValues(t, 1, st.Refused, "Stats.Refused")
	assert.EqualValues(t, 1, st.Active, "Stats.Active")

	a.Close()
	netlabtest.Await(t, closed, "a's session to close")
	c := netlabtest.Dial(t, addr)
	netlabtest.RoundTrip(t, c, "c\n")
}

// Send beyond MaxPending drops that client alone, counted in Stats.Dropped,
// and its session is told ErrOverflow.
func TestOverflowDropsOnlyTheSlowClient(t *testing.T) {
	onOpen, conns := netlabtest.Opens()
	onClose, closed := netlabtest.Closes()
	svc := &netlabtest.Probe{OnOpen: onOpen, OnClosed: onClose}
	srv, addr := start(t, svc, netlab.Config{MaxPending: 16 << 10}, eventloop.Options{Loops: 1}, nil)
	slow := netlabtest.Dial(t, addr)
	sc := netlabtest.Await(t, conns, "the slow client's session")
	other := netlabtest.Dial(t, addr)
	netlabtest.Await(t, conns, "the other client's session")

	chunk := bytes.Repeat([]byte("x"), 4<<10)
	var err error
	for range 100_000 { // far more than any socket buffer holds
		if err = sc.Send(chunk); err != nil {
			break
		}
	}
	require.ErrorIs(t, err, netlab.ErrOverflow, "Send to a client that never reads")
	assert.ErrorIs(t, sc.Send(chunk), netlab.ErrConnClosed, "Send after the drop")
	assert.ErrorIs(t, netlabtest.Await(t, closed, "Closed"), netlab.ErrOverflow, "Closed")
	netlabtest.WaitClosed(t, slow)
	netlabtest.RoundTrip(t, other, "unaffected\n")
	assert.EqualValues(t, 1, srv.Stats().Dropped, "Stats.Dropped")
}
