package workload_test

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/filesrv"
	"github.com/netlab-go/netlab/internal/workload"
	"github.com/netlab-go/netlab/iterative"
	"github.com/netlab-go/netlab/perconn"
	"github.com/netlab-go/netlab/pool"
)

// serve runs srv on a fresh loopback port until the test ends.
func serve(t *testing.T, srv netlab.Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx))
		assert.ErrorIs(t, <-done, netlab.ErrServerClosed)
	})
	return l.Addr().String()
}

func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestLoadEcho(t *testing.T) {
	addr := serve(t, perconn.New(echo.New(), netlab.Config{}))

	t.Run("N clients × M requests answers every one, and each client its own", func(t *testing.T) {
		rep, err := workload.Load(bounded(t), workload.Spec{Addr: addr, Service: workload.ServiceEcho, Clients: 5, Requests: 40})
		require.NoError(t, err)
		assert.Equal(t, int64(200), rep.Requests)
		assert.Equal(t, int64(200), rep.Latency.Count())
		assert.Equal(t, int64(200*64), rep.Bytes)
		assert.Equal(t, 5, rep.Connected)
		assert.Equal(t, 5, rep.Served())
		assert.Zero(t, rep.NotServed())
		assert.Zero(t, rep.Errors)
		assert.Zero(t, rep.Unanswered)
		for i, c := range rep.PerClient {
			assert.Equal(t, int64(40), c.Requests, "client %d", i)
			assert.True(t, c.Connected)
		}
		assert.Greater(t, rep.PerSec(), 0.0)
		assert.Greater(t, rep.Latency.Quantile(0.99), time.Duration(0))
	})

	t.Run("the course's lines are echoed back", func(t *testing.T) {
		rep, err := workload.Load(bounded(t), workload.Spec{Addr: addr, Service: workload.ServiceEcho, Clients: 2, Requests: 12, Lines: true})
		require.NoError(t, err)
		assert.Equal(t, int64(24), rep.Requests)
		// "Thread 0, iteration 0\n" is 22 bytes; iterations 10 and 11 one more.
		assert.Equal(t, int64(2*(10*22+2*23)), rep.Bytes)
	})

	t.Run("an open loop sends at the rate asked", func(t *testing.T) {
		rep, err := workload.Load(bounded(t), workload.Spec{Addr: addr, Service: workload.ServiceEcho, Clients: 4, Requests: 25, Rate: 2000})
		require.NoError(t, err)
		assert.Equal(t, int64(100), rep.Requests)
		// 25 requests 2ms apart per client: the last is sent 48ms in.
		assert.GreaterOrEqual(t, rep.Window, 48*time.Millisecond)
	})

	t.Run("the window hooks bracket the requests and nothing else", func(t *testing.T) {
		counted, echoed := countingEcho(t)
		atOpen, atClose := int64(-1), int64(-1)
		rep, err := workload.Load(bounded(t), workload.Spec{
			Addr: counted, Service: workload.ServiceEcho, Clients: 4, Requests: 10,
			OnWindow: func() func() {
				atOpen = echoed.Load()
				return func() { atClose = echoed.Load() }
			},
		})
		require.NoError(t, err)
		assert.Zero(t, atOpen, "no request before the window opens")
		assert.Equal(t, int64(40*64), atClose, "every request answered before it closes")
		assert.Equal(t, int64(40), rep.Requests)
	})

	t.Run("progress is reported during the window and ending ctx stops the run at once", func(t *testing.T) {
		ctx, cancel := context.WithCancel(bounded(t))
		defer cancel()
		var once sync.Once
		var seen workload.Progress
		rep, err := workload.Load(ctx, workload.Spec{
			Addr: addr, Service: workload.ServiceEcho, Clients: 3, Duration: time.Minute,
			ProgressEvery: time.Millisecond,
			Progress:      func(p workload.Progress) { once.Do(func() { seen = p; cancel() }) },
		})
		require.ErrorIs(t, err, context.Canceled)
		require.NotNil(t, rep, "what was measured before the stop")
		assert.Greater(t, seen.Elapsed, time.Duration(0))
		assert.GreaterOrEqual(t, rep.Requests, seen.Requests)
		assert.Less(t, rep.Window, time.Minute)
	})
}

func TestLoadHonestRows(t *testing.T) {
	t.Run("a serial model over a window serves one client and says the others waited", func(t *testing.T) {
		addr := serve(t, iterative.New(echo.New(), netlab.Config{}))
		rep, err := workload.Load(bounded(t), workload.Spec{Addr: addr, Service: workload.ServiceEcho, Clients: 3, Duration: 200 * time.Millisecond})
		require.NoError(t, err)
		assert.Equal(t, 3, rep.Connected, "the kernel's backlog accepts them all")
		assert.Equal(t, 1, rep.Served())
		assert.Equal(t, 2, rep.NotServed())
		// The two that waited, and perhaps the served one's last request;
		// on a machine so loaded that a client's goroutine first runs after
		// the window, that client never sent one.
		assert.GreaterOrEqual(t, rep.Unanswered, int64(1), "%+v", rep.PerClient)
		assert.LessOrEqual(t, rep.Unanswered, int64(3))
		assert.GreaterOrEqual(t, rep.LongestWait, 150*time.Millisecond)
		assert.Greater(t, rep.Requests, int64(0))
	})

	t.Run("a serial model with M requests per client serves them all in turn", func(t *testing.T) {
		addr := serve(t, iterative.New(echo.New(), netlab.Config{}))
		rep, err := workload.Load(bounded(t), workload.Spec{Addr: addr, Service: workload.ServiceEcho, Clients: 3, Requests: 10})
		require.NoError(t, err)
		assert.Equal(t, 3, rep.Served())
		assert.Equal(t, int64(30), rep.Requests)
	})

	t.Run("a pool of two admits two chat members and the report says so", func(t *testing.T) {
		addr := serve(t, pool.New(chat.New(chat.Options{}), netlab.Config{}, pool.Options{Workers: 2}))
		rep, err := workload.Load(bounded(t), workload.Spec{Addr: addr, Service: workload.ServiceChat, Clients: 4, Requests: 5, ConnectTimeout: 300 * time.Millisecond})
		require.NoError(t, err)
		assert.Equal(t, 2, rep.Connected)
		assert.Equal(t, 2, rep.NotServed())
		assert.Equal(t, int64(2*5), rep.Requests, "each member's 5 messages reach the other")
	})

	t.Run("greeting clients connects only those the server is serving", func(t *testing.T) {
		addr := serve(t, pool.New(echo.New(), netlab.Config{}, pool.Options{Workers: 2}))
		rep, err := workload.Load(bounded(t), workload.Spec{Addr: addr, Service: workload.ServiceEcho, Clients: 4, Requests: 5, Greet: true, ConnectTimeout: 300 * time.Millisecond})
		require.NoError(t, err)
		assert.Equal(t, 2, rep.Connected, "a pool of two serves two; the others' greeting goes unanswered")
		assert.Equal(t, int64(2*5), rep.Requests)
		for _, c := range rep.PerClient {
			if !c.Connected {
				assert.ErrorContains(t, c.Err, "no answer to a first exchange")
			}
		}
	})

	t.Run("a serial model cannot hold a chat, and the error says why", func(t *testing.T) {
		addr := serve(t, iterative.New(chat.New(chat.Options{}), netlab.Config{}))
		_, err := workload.Load(bounded(t), workload.Spec{Addr: addr, Service: workload.ServiceChat, Clients: 3, Requests: 5, ConnectTimeout: 200 * time.Millisecond})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "only 1 of 3 chat clients were welcomed")
	})

	t.Run("nobody listening is an error, not a row of zeros", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := l.Addr().String()
		l.Close()
		_, err = workload.Load(bounded(t), workload.Spec{Addr: addr, Service: workload.ServiceEcho, Clients: 2, Requests: 1})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "none of 2 clients connected")
	})
}

func TestLoadChat(t *testing.T) {
	addr := serve(t, perconn.New(chat.New(chat.Options{}), netlab.Config{}))

	t.Run("every message reaches every other member", func(t *testing.T) {
		rep, err := workload.Load(bounded(t), workload.Spec{Addr: addr, Service: workload.ServiceChat, Clients: 5, Requests: 10})
		require.NoError(t, err)
		assert.Equal(t, int64(5*10*4), rep.Requests)
		assert.Equal(t, rep.Requests, rep.Latency.Count())
		for i, c := range rep.PerClient {
			assert.Equal(t, int64(10), c.Sent, "client %d", i)
			assert.Equal(t, int64(40), c.Requests, "client %d", i)
		}
		assert.Zero(t, rep.Unanswered)
	})

	t.Run("a window bounds a chat without a count", func(t *testing.T) {
		rep, err := workload.Load(bounded(t), workload.Spec{Addr: addr, Service: workload.ServiceChat, Clients: 3, Duration: 100 * time.Millisecond})
		require.NoError(t, err)
		assert.Greater(t, rep.Requests, int64(0))
		assert.Equal(t, 3, rep.Served())
	})
}

func TestLoadFiles(t *testing.T) {
	root := t.TempDir()
	svc, err := filesrv.New(root, filesrv.Options{})
	require.NoError(t, err)
	addr := serve(t, perconn.New(svc, netlab.Config{}))
	const size = 100 << 10

	t.Run("downloads move the whole file each time", func(t *testing.T) {
		rep, err := workload.Load(bounded(t), workload.Spec{Addr: addr, Service: workload.ServiceFiles, Clients: 2, Requests: 3, Size: size})
		require.NoError(t, err)
		assert.Equal(t, int64(6), rep.Requests)
		assert.Equal(t, int64(6*size), rep.Bytes)
	})

	t.Run("uploads store a file per client", func(t *testing.T) {
		rep, err := workload.Load(bounded(t), workload.Spec{Addr: addr, Service: workload.ServiceFiles, Clients: 2, Requests: 2, Size: size, Upload: true})
		require.NoError(t, err)
		assert.Equal(t, int64(4*size), rep.Bytes)
		assert.FileExists(t, root+"/load-102400-1.bin")
	})
}

func TestSpec(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec workload.Spec
		want string
	}{
		{"a load without an end is refused", workload.Spec{Addr: "x", Service: "echo", Clients: 1}, "a load must end"},
		{"no clients is refused", workload.Spec{Addr: "x", Service: "echo", Requests: 1}, "want at least 1"},
		{"an unknown service is refused", workload.Spec{Addr: "x", Service: "ftp", Clients: 1, Requests: 1}, `unknown service "ftp"`},
		{"an open-loop chat is refused", workload.Spec{Addr: "x", Service: "chat", Clients: 2, Requests: 1, Rate: 5}, "closed-loop only"},
		{"a chat of one is refused", workload.Spec{Addr: "x", Service: "chat", Clients: 1, Requests: 1}, "at least 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := workload.Load(t.Context(), tc.spec)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestHold(t *testing.T) {
	for _, tc := range []struct {
		service string
		svc     func(t *testing.T) netlab.Service
	}{
		{workload.ServiceEcho, func(*testing.T) netlab.Service { return echo.New() }},
		{workload.ServiceChat, func(*testing.T) netlab.Service { return chat.New(chat.Options{}) }},
		{workload.ServiceFiles, func(t *testing.T) netlab.Service {
			s, err := filesrv.New(t.TempDir(), filesrv.Options{})
			require.NoError(t, err)
			return s
		}},
	} {
		t.Run("idle "+tc.service+" clients are each served once and held", func(t *testing.T) {
			addr := serve(t, perconn.New(tc.svc(t), netlab.Config{}))
			h, err := workload.Hold(bounded(t), workload.Spec{Addr: addr, Service: tc.service, Clients: 20})
			require.NoError(t, err)
			defer h.Close()
			assert.Equal(t, 20, h.Connected)
		})
	}

	t.Run("a pool of two holds two idle clients of five", func(t *testing.T) {
		addr := serve(t, pool.New(echo.New(), netlab.Config{}, pool.Options{Workers: 2}))
		h, err := workload.Hold(bounded(t), workload.Spec{Addr: addr, Service: workload.ServiceEcho, Clients: 5, ConnectTimeout: 200 * time.Millisecond})
		require.NoError(t, err)
		defer h.Close()
		assert.Equal(t, 2, h.Connected)
	})
}

// countingEcho serves echo with io.Copy, counting the bytes it sent back.
func countingEcho(t *testing.T) (string, *atomic.Int64) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var n atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				io.Copy(countWriter{c, &n}, c)
			})
		}
	})
	t.Cleanup(func() { l.Close(); wg.Wait() })
	return l.Addr().String(), &n
}

type countWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return c.w.Write(p)
}

// TestOpenLoop checks what the open loop exists for: a server that stalls
// is charged for every request that was due while it stalled, not only
// for the one it sat on.
func TestOpenLoop(t *testing.T) {
	const stall = 100 * time.Millisecond
	for _, tc := range []struct {
		name        string
		rate        float64
		slowAtLeast int64 // requests that must see most of the stall
	}{
		{"a closed loop charges the stall to one request", 0, 1},
		{"an open loop charges it to every request that was due", 1000, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := stallingEcho(t, stall)
			rep, err := workload.Load(bounded(t), workload.Spec{Addr: addr, Service: workload.ServiceEcho, Clients: 1, Requests: 50, Rate: tc.rate})
			require.NoError(t, err)
			require.Equal(t, int64(50), rep.Requests)
			var slow int64
			for _, b := range rep.Latency.Buckets() {
				if b.Low >= stall/2 {
					slow += b.Count
				}
			}
			assert.GreaterOrEqual(t, slow, tc.slowAtLeast)
			if tc.rate == 0 {
				assert.Less(t, slow, int64(10), "a closed loop waits out the stall and then goes fast")
			}
		})
	}
}

// stallingEcho is an echo server that takes d to answer its first request,
// as a server pausing for a garbage collection or a page fault would, and
// answers the rest at once.
func stallingEcho(t *testing.T, d time.Duration) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Go(func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 64)
		if _, err := io.ReadFull(c, buf); err != nil {
			return
		}
		<-time.After(d) // the stall being measured, not a wait for an event
		c.Write(buf)
		io.Copy(c, c)
	})
	t.Cleanup(func() { l.Close(); wg.Wait() })
	return l.Addr().String()
}
