package blocking_test

import (
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/blocking"
	"github.com/netlab-go/netlab/netlabtest"
)

// queued returns how much output c holds beyond what the kernel took.
func queued(c netlab.Conn) int { return c.(*blocking.Conn).Queued() }

func TestSend(t *testing.T) {
	t.Run("returns at once while the client reads nothing", func(t *testing.T) {
		// The sends come from the test's goroutine, not the connection's:
		// a chat broadcast, which must never wait on a slow member.
		s := connect(t, netlab.Config{MaxPending: 64 << 20}, true)
		c := s.conn
		client := s.client

		// 16 MiB is hundreds of times what the two sockets buffer. A Send
		// that waited for room would wait for a client that never reads.
		msg := netlabtest.Pattern(16<<20, 1)
		sent := make(chan error, 1)
		go func() {
			for p := msg; len(p) > 0; {
				n := min(len(p), 64<<10)
				if err := c.Send(p[:n]); err != nil {
					sent <- err
					return
				}
				p = p[n:]
			}
			sent <- nil
		}()
		require.NoError(t, netlabtest.Await(t, sent, "16 MiB of sends to return"), "Send")
		require.NotZero(t, queued(c), "nothing is queued: the kernel took 16 MiB, so this test proves nothing")

		// Only now does the client read: every byte, in the order sent.
		got := make([]byte, len(msg))
		_, err := io.ReadFull(client, got)
		require.NoError(t, err, "read")
		netlabtest.SameBytes(t, "what the client read", got, msg)
	})

	t.Run("past MaxPending drops that connection alone with ErrOverflow", func(t *testing.T) {
		const maxPending = 64 << 10
		onOpen, opened := netlabtest.Opens()
		onClose, closed := netlabtest.Closes()
		srv := startTight(t, &netlabtest.Probe{OnOpen: onOpen, OnClosed: onClose}, netlab.Config{MaxPending: maxPending})
		slow := dialTight(t, srv.addr)
		c := netlabtest.Await(t, opened, "the slow client's session to open")
		other := netlabtest.Dial(t, srv.addr)
		netlabtest.Await(t, opened, "the other client's session to open")

		// The kernel takes what fits in the sockets, the queue takes
		// MaxPending more, and the next Send overflows.
		chunk := make([]byte, 8<<10)
		var err error
		for sent := 0; err == nil; sent += len(chunk) {
			require.LessOrEqual(t, sent, 64<<20, "bytes sent to a client that reads nothing, and Send never overflowed")
			err = c.Send(chunk)
		}
		require.ErrorIs(t, err, netlab.ErrOverflow, "Send")
		assert.EqualValues(t, 1, srv.Stats().Dropped, "Stats().Dropped")
		assert.ErrorIs(t, netlabtest.Await(t, closed, "Closed"), netlab.ErrOverflow, "Closed")
		assert.ErrorIs(t, c.Send([]byte("more")), netlab.ErrConnClosed, "Send after the drop")
		netlabtest.WaitClosed(t, slow)

		netlabtest.RoundTrip(t, other, "the others are still served\n")
	})
}

func TestSendFile(t *testing.T) {
	size := int64(1<<20 + 1000) // more than a socket buffer takes at once
	content := netlabtest.Pattern(int(size), 3)
	path := writeFile(t, content)

	// Each case frames the region with two Sends, "<" before and ">" after:
	// a region must leave in its place in the queue.
	cases := []struct {
		name   string
		off, n int64
	}{
		{"a region from the middle of the file", 100, 300},
		{"the whole file, several socket buffers long", 0, size},
		{"the last byte", size - 1, 1},
		{"an empty region", 500, 0},
		{"an empty region at the end of the file", size, 0},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("sends %s in order and closes the file", tc.name), func(t *testing.T) {
			s := connect(t, netlab.Config{}, false)
			c, closed := s.conn, s.closed
			client := s.client

			f := openFile(t, path)
			for _, err := range []error{
				c.Send([]byte("<")),
				c.SendFile(f, tc.off, tc.n),
				c.Send([]byte(">")),
				c.Close(),
			} {
				require.NoError(t, err)
			}
			got, err := io.ReadAll(client)
			require.NoError(t, err, "read")
			want := slices.Concat([]byte("<"), content[tc.off:tc.off+tc.n], []byte(">"))
			netlabtest.SameBytes(t, "what the client read", got, want)

			client.Close() // ends the server's linger
			assert.NoError(t, netlabtest.Await(t, closed, "Closed"), "Closed")
			// The client read ">", so the writer was done with the file.
			assert.ErrorIs(t, f.Close(), os.ErrClosed, "SendFile must close the file once it is sent")
		})
	}

	t.Run("cuts the connection when the file is shorter than the region", func(t *testing.T) {
		s := connect(t, netlab.Config{}, false)
		c, closed := s.conn, s.closed
		client := s.client

		f := openFile(t, path)
		c.SendFile(f, size-100, 200)
		c.Send([]byte("never sent"))
		got, err := io.ReadAll(client)
		require.NoError(t, err, "read")
		netlabtest.SameBytes(t, "what the client read", got, content[size-100:])
		assert.ErrorContains(t, netlabtest.Await(t, closed, "Closed"), "shrank", "Closed")
		assert.ErrorIs(t, f.Close(), os.ErrClosed, "closing the file again")
	})

	t.Run("on a closed connection returns ErrConnClosed and closes the file", func(t *testing.T) {
		s := connect(t, netlab.Config{}, false)
		c := s.conn
		c.Close()

		f := openFile(t, path)
		require.ErrorIs(t, c.SendFile(f, 0, 10), netlab.ErrConnClosed, "SendFile after Close")
		assert.ErrorIs(t, f.Close(), os.ErrClosed, "closing the file again")
	})

	t.Run("past MaxPending drops the connection and closes the file", func(t *testing.T) {
		// Room for one region, not two. The first region is far larger
		// than the sockets hold, and the client reads nothing, so it stays
		// in flight (and counted) while the second is queued.
		const maxPending = netlab.FileRegionCost + netlab.FileRegionCost/2
		s := connect(t, netlab.Config{MaxPending: maxPending}, true)
		srv, c, closed := s.srv, s.conn, s.closed

		big := openFile(t, sparseFile(t, 64<<20))
		require.NoError(t, c.SendFile(big, 0, 64<<20), "the first SendFile")
		small := openFile(t, path)
		require.ErrorIs(t, c.SendFile(small, 0, 10), netlab.ErrOverflow, "the second SendFile")
		assert.ErrorIs(t, small.Close(), os.ErrClosed, "closing the second file again")
		assert.ErrorIs(t, netlabtest.Await(t, closed, "Closed"), netlab.ErrOverflow, "Closed")
		assert.EqualValues(t, 1, srv.Stats().Dropped, "Stats().Dropped")
		// The writer owns the first file until its sendfile fails; once
		// Shutdown has waited for the writer, the file must be closed.
		require.NoError(t, srv.Shutdown(t.Context()))
		assert.ErrorIs(t, big.Close(), os.ErrClosed, "closing the first file again")
	})
}

func TestClose(t *testing.T) {
	t.Run("sends everything queued, then closes", func(t *testing.T) {
		s := connect(t, netlab.Config{MaxPending: 64 << 20}, true)
		c, closed := s.conn, s.closed
		client := s.client

		msg := netlabtest.Pattern(8<<20, 4)
		require.NoError(t, c.Send(msg))
		require.NotZero(t, queued(c), "nothing is queued: the kernel took 8 MiB, so this test proves nothing")
		for i := range 2 {
			require.NoError(t, c.Close(), "Close #%d", i+1)
		}
		assert.ErrorIs(t, c.Send([]byte("late")), netlab.ErrConnClosed, "Send after Close")

		got, err := io.ReadAll(client)
		require.NoError(t, err, "read")
		netlabtest.SameBytes(t, "what the client read", got, msg)
		client.Close()
		assert.NoError(t, netlabtest.Await(t, closed, "Closed"), "Closed")
	})

	t.Run("keeps the last reply for a client that is still sending", func(t *testing.T) {
		// Closing a socket with unread input makes the kernel answer with
		// a reset, which can destroy the reply the client has not read
		// yet. The engine lingers, reading and discarding, until the
		// client closes: here the client streams without pause.
		onClose, closed := netlabtest.Closes()
		svc := &netlabtest.Probe{
			OnData: func(c netlab.Conn, _ []byte) {
				c.Send([]byte("bye\n"))
				c.Close()
			},
			OnClosed: onClose,
		}
		srv := start(t, svc, netlab.Config{})
		client := netlabtest.Dial(t, srv.addr)
		streaming := make(chan error, 1)
		go func() {
			buf := netlabtest.Pattern(32<<10, 5)
			for {
				if _, err := client.Write(buf); err != nil {
					streaming <- err
					return
				}
			}
		}()

		got, err := io.ReadAll(client)
		require.NoError(t, err, "read")
		assert.Equal(t, "bye\n", string(got), "the goodbye, then the end of the stream")
		client.Close()
		netlabtest.Await(t, streaming, "the client's writes to stop")
		assert.NoError(t, netlabtest.Await(t, closed, "Closed"), "Closed")
	})
}

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

func TestIdleTimeout(t *testing.T) {
	t.Run("closes a connection that sends nothing", func(t *testing.T) {
		const idle = 50 * time.Millisecond
		onClose, closed := netlabtest.Closes()
		srv := start(t, &netlabtest.Probe{OnClosed: onClose}, netlab.Config{IdleTimeout: idle})
		began := time.Now()
		client := netlabtest.Dial(t, srv.addr)
		netlabtest.WaitClosed(t, client)
		assert.GreaterOrEqual(t, time.Since(began), idle, "closed before the idle timeout")
		assert.ErrorContains(t, netlabtest.Await(t, closed, "Closed"), "idle", "Closed")
	})

	t.Run("spares a connection receiving a download that outlasts it", func(t *testing.T) {
		// The client reads a piece, then waits until the server has seen
		// the download move since (its lastActive passes the time of
		// the read) before it reads the next: the pace is the server's
		// own, however loaded the machine, so the download is never idle
		// for the timeout, yet takes longer than it. The server looks
		// every quarter of the timeout, so the 3 MiB in 256 KiB pieces,
		// through small socket buffers, take at least two timeouts.
		const (
			idle  = time.Second
			size  = 3 << 20
			piece = 256 << 10
		)
		content := netlabtest.Pattern(size, 6)
		path := writeFile(t, content)
		s := connect(t, netlab.Config{IdleTimeout: idle}, true)
		c, closed := s.conn, s.closed
		bc := c.(*blocking.Conn)
		client := s.client
		require.NoError(t, c.SendFile(openFile(t, path), 0, size))
		c.Close()

		began := time.Now()
		got := make([]byte, 0, size)
		buf := make([]byte, piece)
		for len(got) < size {
			n, err := io.ReadFull(client, buf[:min(piece, size-len(got))])
			read := time.Now()
			got = append(got, buf[:n]...)
			require.NoError(t, err, "after %d of %d bytes and %v", len(got), size, time.Since(began).Round(time.Millisecond))
			netlabtest.WaitFor(t, "the server to see the download move", func() bool {
				// Once the copy is over the file region has left the
				// queue, and what remains is in the socket buffers.
				return bc.LastActive().After(read) || bc.Queued() == 0
			})
		}
		took := time.Since(began)
		netlabtest.SameBytes(t, "the download", got, content)
		rest, err := io.ReadAll(client)
		require.NoError(t, err, "after the download")
		require.Empty(t, rest, "after the download, want the end of the stream")
		require.GreaterOrEqual(t, took, idle, "the download took less than the idle timeout: the test proves nothing")
		client.Close()
		assert.NoError(t, netlabtest.Await(t, closed, "Closed"), "Closed")
	})

	t.Run("drops a download whose client stopped reading", func(t *testing.T) {
		// Small socket buffers fill long before 8 MiB are sent; then the
		// file's position stands still, and after one timeout the copy
		// is cut.
		const idle = 200 * time.Millisecond
		path := writeFile(t, netlabtest.Pattern(8<<20, 8))
		s := connect(t, netlab.Config{IdleTimeout: idle}, true)
		began := time.Now()
		require.NoError(t, s.conn.SendFile(openFile(t, path), 0, 8<<20))
		assert.Error(t, netlabtest.Await(t, s.closed, "Closed"), "Closed")
		assert.GreaterOrEqual(t, time.Since(began), idle, "closed before the idle timeout")
	})

	t.Run("spares a connection that keeps talking after its writer went quiet", func(t *testing.T) {
		// A burst the socket cannot take hands the echo to the writer
		// goroutine, whose writes are bounded by the idle timeout. After
		// the burst, small echoes go straight to the socket again, and
		// they must go on working long after the writer's last deadline.
		const idle = time.Second
		engaged := make(chan struct{})
		var once sync.Once
		svc := &netlabtest.Probe{OnData: func(c netlab.Conn, p []byte) {
			c.Send(p)
			if queued(c) > 0 {
				once.Do(func() { close(engaged) })
			}
		}}
		srv := startTight(t, svc, netlab.Config{IdleTimeout: idle})
		client := dialTight(t, srv.addr)

		msg := netlabtest.Pattern(1<<20, 7)
		wrote := make(chan error, 1)
		go func() {
			_, err := client.Write(msg)
			wrote <- err
		}()
		netlabtest.Await(t, engaged, "the echo to be queued for the writer")
		got := make([]byte, len(msg))
		_, err := io.ReadFull(client, got)
		require.NoError(t, err, "read the burst back")
		netlabtest.SameBytes(t, "the burst", got, msg)
		require.NoError(t, netlabtest.Await(t, wrote, "the burst to be written"))

		// The clock is a connection opened now, which the engine closes
		// once it has been idle for the timeout: by then the writer's last
		// deadline has passed. Until then, and once more after, the client
		// talks as fast as it can, which keeps its own connection busy.
		clock := netlabtest.Dial(t, srv.addr)
		expired := make(chan struct{})
		go func() {
			io.Copy(io.Discard, clock)
			close(expired)
		}()
		for i := 0; ; i++ {
			select {
			case <-expired:
				netlabtest.RoundTrip(t, client, "still here\n")
				return
			default:
				netlabtest.RoundTrip(t, client, fmt.Sprintf("ping %d\n", i))
			}
		}
	})
}

// A panic in any session method closes that session's connection, is
// counted, and leaves the server serving everyone else. Closed still
// follows a panic in Data, EOF or Idle: the session may hold something to
// release. (After a panic in Open there is no session to tell.)
func TestPanicsAreRecoveredPerConnection(t *testing.T) {
	cases := []struct {
		in         string
		trigger    func(t *testing.T, victim net.Conn)
		wantClosed bool
	}{
		{"Open", nil, false},
		{"Data", func(t *testing.T, victim net.Conn) { victim.Write([]byte("boom\n")) }, true},
		{"EOF", func(t *testing.T, victim net.Conn) { victim.(*net.TCPConn).CloseWrite() }, true},
		{"Idle", nil, true}, // the engine asks right after Open
		{"Closed", func(t *testing.T, victim net.Conn) {
			netlabtest.RoundTrip(t, victim, "hello\n")
			victim.Close()
		}, true},
	}
	for _, tc := range cases {
		t.Run("in "+tc.in, func(t *testing.T) {
			svc := &panicky{in: tc.in, closed: make(chan error, 1)}
			srv := start(t, svc, netlab.Config{})
			victim := netlabtest.Dial(t, srv.addr)
			if tc.trigger != nil {
				tc.trigger(t, victim)
			}
			var closedErr error
			if tc.in == "Closed" {
				closedErr = netlabtest.Await(t, svc.closed, "Closed")
			} else {
				netlabtest.WaitClosed(t, victim)
			}

			other := netlabtest.Dial(t, srv.addr)
			netlabtest.RoundTrip(t, other, "still served\n")
			other.Close()

			// Shutdown waits for every connection goroutine, so the counters
			// and the calls below are final.
			require.NoError(t, srv.Shutdown(t.Context()))
			st := srv.Stats()
			assert.EqualValues(t, 1, st.Panics, "Stats.Panics")
			assert.EqualValues(t, 2, st.Accepted, "Stats.Accepted")
			assert.Zero(t, st.Active, "Stats.Active")
			switch {
			case tc.in == "Closed":
				assert.NoError(t, closedErr, "Closed: the client closed in an orderly way")
			case tc.wantClosed:
				assert.ErrorContains(t, netlabtest.Await(t, svc.closed, "Closed"), "panicked", "Closed")
			default:
				assert.Empty(t, svc.closed, "Closed was called for a session Open never returned")
			}
		})
	}
}

// panicky is an echo service whose first session panics in the method
// named by in. The sessions after it behave.
type panicky struct {
	in     string     // Open, Data, EOF, Idle or Closed
	closed chan error // the first session's Closed calls
	opened atomic.Int64
}

func (s *panicky) Open(c netlab.Conn) netlab.Session {
	first := s.opened.Add(1) == 1
	if first && s.in == "Open" {
		panic("in Open")
	}
	return &panickySession{s: s, c: c, victim: first}
}

type panickySession struct {
	s      *panicky
	c      netlab.Conn
	victim bool
}

func (ps *panickySession) boom(method string) {
	if ps.victim && ps.s.in == method {
		panic("in " + method)
	}
}

func (ps *panickySession) Data(p []byte) { ps.boom("Data"); ps.c.Send(p) }

func (ps *panickySession) EOF() { ps.boom("EOF") }

func (ps *panickySession) Idle() bool { ps.boom("Idle"); return true }

func (ps *panickySession) Closed(err error) {
	if ps.victim {
		ps.s.closed <- err
	}
	ps.boom("Closed")
}
