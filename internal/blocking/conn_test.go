package blocking_test

import (
	"fmt"
	"io"
	"os"
	"slices"
	"testing"

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
	size := int64(2*blocking.FileChunk + 1000)
	content := netlabtest.Pattern(int(size), 3)
	path := writeFile(t, content)

	// Each case frames the region with two Sends, "<" before and ">" after:
	// a region must leave in its place in the queue.
	cases := []struct {
		name   string
		off, n int64
	}{
		{"a region from the middle of the file", 100, 300},
		{"the whole file, several sendfile chunks long", 0, size},
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
