package blocking_test

import (
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/netlabtest"
)

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
		// The client reads 32 KiB every 20 ms — about 1.6 MB/s, steadily —
		// through small socket buffers, so a 3 MiB download takes about
		// twice the idle timeout. The ticker only plays the slow client;
		// nothing in the test waits on it to let the server settle.
		const (
			idle  = time.Second
			size  = 3 << 20
			piece = 32 << 10
			pace  = 20 * time.Millisecond
		)
		content := netlabtest.Pattern(size, 6)
		path := writeFile(t, content)
		s := connect(t, netlab.Config{IdleTimeout: idle}, true)
		c, closed := s.conn, s.closed
		client := s.client
		require.NoError(t, c.SendFile(openFile(t, path), 0, size))
		c.Close()

		tick := time.NewTicker(pace)
		defer tick.Stop()
		began := time.Now()
		got := make([]byte, 0, size)
		buf := make([]byte, piece)
		for len(got) < size {
			<-tick.C
			n, err := io.ReadFull(client, buf[:min(piece, size-len(got))])
			got = append(got, buf[:n]...)
			require.NoError(t, err, "after %d of %d bytes and %v", len(got), size, time.Since(began).Round(time.Millisecond))
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
