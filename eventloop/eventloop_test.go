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
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/internal/conformance"
)

func TestEcho(t *testing.T) {
	conformance.Echo(t, model)
}

func TestEchoOnOneLoopAndOnMoreLoopsThanCores(t *testing.T) {
	for _, loops := range []int{1, 2*runtime.GOMAXPROCS(0) + 1} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			m := model
			m.New = func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
				return eventloop.New(svc, cfg, eventloop.Options{Loops: loops})
			}
			conformance.Echo(t, m)
		})
	}
}

func TestNewRejectsANegativeLoopCount(t *testing.T) {
	if _, err := eventloop.New(echo.New(), netlab.Config{}, eventloop.Options{Loops: -1}); err == nil {
		t.Fatal("New accepted Loops: -1")
	}
}

func TestServeRejectsAListenerWithoutAnFd(t *testing.T) {
	srv, err := eventloop.New(echo.New(), netlab.Config{}, eventloop.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(t.TempDir(), "sock"))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(l); err == nil || errors.Is(err, netlab.ErrServerClosed) {
		t.Fatalf("Serve on a unix listener returned %v, want an explanation", err)
	}
	srv.Close()
}

// Many connections cost no goroutines: that is the model.
func TestConnectionsCostNoGoroutines(t *testing.T) {
	_, addr := start(t, echo.New(), netlab.Config{}, eventloop.Options{Loops: 2}, nil)
	before := runtime.NumGoroutine()
	const n = 200
	for i := range n {
		c := conformance.Dial(t, addr)
		msg := fmt.Appendf(nil, "client %d\n", i)
		c.Write(msg)
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("client %d: got %q (%v)", i, got, err)
		}
	}
	if after := runtime.NumGoroutine(); after > before+10 {
		t.Fatalf("%d goroutines with %d clients connected, %d before", after, n, before)
	}
}

// A client that sends without reading must be stopped by TCP flow control,
// not buffered by the server: once its queued echo passes the high-water
// mark the loop stops reading it. Every byte still comes back once the
// client reads, and Dropped stays zero, which shows the queue never passed
// MaxPending (Send drops a client the moment it would).
func TestBackpressureStopsReadingAClientThatDoesNotRead(t *testing.T) {
	const maxPending = 64 << 10
	const total = 16 << 20
	onPause, paused := signal()
	onResume, resumed := signal()
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
	if err != nil {
		t.Fatal(err)
	}
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

	recv(t, paused, "the loop to stop reading the client")
	var during runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&during)
	if grew := int64(during.HeapAlloc) - int64(before.HeapAlloc); grew > 4<<20 {
		t.Errorf("heap grew by %d bytes while the client did not read; MaxPending is %d", grew, maxPending)
	}

	// Now read it all back and check it.
	r := rand.New(rand.NewPCG(1, 2))
	want := make([]byte, 32<<10)
	got := make([]byte, len(want))
	br := bufio.NewReaderSize(c, 64<<10)
	for n := 0; n < total; n += len(got) {
		fill(r, want)
		if _, err := io.ReadFull(br, got); err != nil {
			t.Fatalf("read back at byte %d: %v", n, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("bytes %d..%d came back different", n, n+len(got))
		}
	}
	if rest, err := io.ReadAll(br); err != nil || len(rest) > 0 {
		t.Fatalf("after the echo: %d more bytes, %v; want end of stream", len(rest), err)
	}
	if err := <-werr; err != nil {
		t.Fatalf("write: %v", err)
	}
	recv(t, resumed, "the loop to read the client again")
	if st := srv.Stats(); st.Dropped != 0 {
		t.Fatalf("Stats.Dropped = %d: the queue passed MaxPending", st.Dropped)
	}
}

func fill(r *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}

// A Send from a goroutine that is not a loop must wake the owning loop,
// which sleeps in epoll_wait with no timer set (no idle timeout): only the
// eventfd can end that sleep.
func TestSendFromAnotherGoroutineWakesTheLoop(t *testing.T) {
	conns := make(chan netlab.Conn, 1)
	svc := &probe{open: func(c netlab.Conn) { conns <- c }}
	_, addr := start(t, svc, netlab.Config{IdleTimeout: -1}, eventloop.Options{Loops: 1}, nil)
	c := conformance.Dial(t, addr)
	sc := recv(t, conns, "the session to open")
	for i := range 3 {
		msg := fmt.Sprintf("pushed %d\n", i)
		if err := sc.Send([]byte(msg)); err != nil {
			t.Fatalf("Send: %v", err)
		}
		got, err := bufio.NewReader(io.LimitReader(c, int64(len(msg)))).ReadString('\n')
		if err != nil || got != msg {
			t.Fatalf("client got %q (%v), want %q", got, err, msg)
		}
	}
}

// A session on one loop sending to a connection on another (chat fan-out)
// goes through the other loop's queue and eventfd.
func TestSendAcrossLoops(t *testing.T) {
	var mu sync.Mutex
	var peers []netlab.Conn
	opened := make(chan netlab.Conn, 2)
	svc := &probe{
		open: func(c netlab.Conn) {
			mu.Lock()
			peers = append(peers, c)
			mu.Unlock()
			opened <- c
		},
		data: func(c netlab.Conn, p []byte) { // relay to every other client
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
	a := conformance.Dial(t, addr)
	b := conformance.Dial(t, addr)
	ca, cb := recv(t, opened, "a session to open"), recv(t, opened, "a session to open")
	if eventloop.SameLoop(ca, cb) {
		t.Fatal("two connections on a two-loop server share a loop: least-connections should have split them")
	}
	b.Write([]byte("from b\n"))
	if got, err := bufio.NewReader(a).ReadString('\n'); err != nil || got != "from b\n" {
		t.Fatalf("a got %q (%v)", got, err)
	}
	a.Write([]byte("from a\n"))
	if got, err := bufio.NewReader(b).ReadString('\n'); err != nil || got != "from a\n" {
		t.Fatalf("b got %q (%v)", got, err)
	}
}

// File regions are sent with sendfile(2), in order with the bytes around
// them, count FileRegionCost rather than their length against MaxPending,
// and are closed by the Conn once sent.
func TestSendFile(t *testing.T) {
	content := make([]byte, 8<<20)
	fill(rand.New(rand.NewPCG(3, 4)), content)
	path := filepath.Join(t.TempDir(), "blob")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	const off = 1000
	n := int64(len(content) - 2*off)
	sent := make(chan *os.File, 1)
	svc := &probe{data: func(c netlab.Conn, p []byte) {
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
	c := conformance.Dial(t, addr)
	c.Write([]byte("GET\n"))
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	want := slicesConcat([]byte("BEGIN\n"), content[off:off+n], []byte("\nEND\n"))
	if !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, want %d: the file region or its order is wrong", len(got), len(want))
	}
	f := recv(t, sent, "the session to send the file")
	if err := f.Close(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("the Conn did not close the file once sent: Close returned %v", err)
	}
}

func slicesConcat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestSendFileOnAClosedConnClosesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, []byte("x"), 0o600)
	results := make(chan error, 2)
	svc := &probe{data: func(c netlab.Conn, p []byte) {
		c.Close()
		f, _ := os.Open(path)
		results <- c.SendFile(f, 0, 1)
		results <- f.Close()
	}}
	_, addr := start(t, svc, netlab.Config{}, eventloop.Options{Loops: 1}, nil)
	c := conformance.Dial(t, addr)
	c.Write([]byte("x"))
	if err := recv(t, results, "SendFile"); !errors.Is(err, netlab.ErrConnClosed) {
		t.Errorf("SendFile after Close: %v, want ErrConnClosed", err)
	}
	if err := recv(t, results, "Close"); !errors.Is(err, os.ErrClosed) {
		t.Errorf("the file was left open: Close returned %v", err)
	}
	conformance.WaitClosed(t, c)
}

// A session that panics loses its own connection, is counted, still gets
// Closed (if it was opened), and the other sessions on the loop never notice.
func TestPanicsAreRecoveredPerSession(t *testing.T) {
	tests := []struct {
		name    string
		arm     func(svc *probe, opened *atomic.Int64)
		provoke func(c *net.TCPConn)
		want    string // what Closed is told; "-" if it must not be called
	}{
		{"in Open", func(svc *probe, opened *atomic.Int64) {
			svc.open = func(netlab.Conn) {
				if opened.Add(1) == 2 { // the bystander is the first
					panic("open")
				}
			}
		}, func(*net.TCPConn) {}, "-"},
		{"in Data", func(svc *probe, _ *atomic.Int64) {
			svc.data = func(c netlab.Conn, p []byte) {
				if bytes.HasPrefix(p, []byte("panic")) {
					panic("data")
				}
				c.Send(p)
			}
		}, func(c *net.TCPConn) { c.Write([]byte("panic\n")) }, "session panicked: data"},
		{"in EOF", func(svc *probe, _ *atomic.Int64) {
			svc.eof = func(netlab.Conn) { panic("eof") }
		}, func(c *net.TCPConn) { c.CloseWrite() }, "session panicked: eof"},
		{"in Closed", func(svc *probe, _ *atomic.Int64) {
			inner := svc.closed
			svc.closed = func(c netlab.Conn, err error) {
				inner(c, err)
				panic("closed")
			}
		}, func(c *net.TCPConn) { c.CloseWrite() }, "<nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			closed := make(chan error, 4)
			svc := &probe{closed: func(_ netlab.Conn, err error) { closed <- err }}
			var opened atomic.Int64
			tt.arm(svc, &opened)
			srv, addr := start(t, svc, netlab.Config{}, eventloop.Options{Loops: 1}, nil)

			bystander := conformance.Dial(t, addr)
			echoLine(t, bystander, "before\n")
			victim := conformance.Dial(t, addr)
			tt.provoke(victim)
			conformance.WaitClosed(t, victim)
			if tt.want != "-" {
				if err := recv(t, closed, "Closed"); fmt.Sprint(err) != tt.want && !strings.HasSuffix(fmt.Sprint(err), tt.want) {
					t.Errorf("Closed(%v), want %s", err, tt.want)
				}
			}
			// The loop serves the bystander only after it is done
			// with the victim, so the counters are settled by now.
			echoLine(t, bystander, "after\n")
			if tt.want == "-" && len(closed) > 0 {
				t.Errorf("Closed(%v) was called for a session that never opened", <-closed)
			}
			if got := srv.Stats().Panics; got != 1 {
				t.Errorf("Stats.Panics = %d, want 1", got)
			}
		})
	}
}

// echoLine sends line on c and fails unless it comes straight back.
func echoLine(t testing.TB, c net.Conn, line string) {
	t.Helper()
	if _, err := c.Write([]byte(line)); err != nil {
		t.Fatalf("write %q: %v", line, err)
	}
	got := make([]byte, len(line))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != line {
		t.Fatalf("echo of %q: got %q (%v)", line, got, err)
	}
}

// A connection that sends nothing for the idle timeout is closed by the
// server, and its session is told why.
func TestIdleTimeoutClosesASilentConnection(t *testing.T) {
	closed := make(chan error, 1)
	svc := &probe{closed: func(_ netlab.Conn, err error) { closed <- err }}
	_, addr := start(t, svc, netlab.Config{IdleTimeout: 50 * time.Millisecond}, eventloop.Options{Loops: 1}, nil)
	c := conformance.Dial(t, addr)
	echoLine(t, c, "still here\n")
	conformance.WaitClosed(t, c) // and then silence
	if err := recv(t, closed, "Closed"); err == nil || !strings.Contains(err.Error(), "idle for 50ms") {
		t.Fatalf("Closed(%v), want the idle timeout", err)
	}
}

// Idleness is about what the client sends (PROTOCOLS.md): a connection that
// only receives — a chat member who listens — idles out however much it is
// sent.
func TestRepliesAloneDoNotKeepAConnectionAlive(t *testing.T) {
	conns := make(chan netlab.Conn, 1)
	closed := make(chan error, 1)
	svc := &probe{
		open:   func(c netlab.Conn) { conns <- c },
		closed: func(_ netlab.Conn, err error) { closed <- err },
	}
	_, addr := start(t, svc, netlab.Config{IdleTimeout: 100 * time.Millisecond}, eventloop.Options{Loops: 1}, nil)
	c := conformance.Dial(t, addr)
	sc := recv(t, conns, "the session to open")
	r := bufio.NewReader(c)
	// Ping-pong from the server's side until it gives up on the client:
	// bounded by the idle timeout, or by the connection's deadline if
	// replies wrongly count as activity.
	for sc.Send([]byte("tick\n")) == nil {
		if _, err := r.ReadString('\n'); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the server's replies kept the connection open until the client's deadline")
			}
			break
		}
	}
	if err := recv(t, closed, "Closed"); err == nil || !strings.Contains(err.Error(), "idle for") {
		t.Fatalf("Closed(%v), want the idle timeout", err)
	}
}

// Beyond MaxConns a client gets the service's busy reply and is closed;
// once a slot frees up, the next client is served.
func TestMaxConnsTurnsAwayTheNextClientBusy(t *testing.T) {
	closed := make(chan error, 1)
	svc := &probe{busy: []byte("busy\n"), closed: func(_ netlab.Conn, err error) { closed <- err }}
	srv, addr := start(t, svc, netlab.Config{MaxConns: 1}, eventloop.Options{Loops: 2}, nil)
	a := conformance.Dial(t, addr)
	echoLine(t, a, "a\n")

	b := conformance.Dial(t, addr)
	got, err := io.ReadAll(b)
	if err != nil || string(got) != "busy\n" {
		t.Fatalf("the client over the limit got %q (%v), want \"busy\\n\" and end of stream", got, err)
	}
	if st := srv.Stats(); st.Refused != 1 || st.Accepted != 1 || st.Active != 1 {
		t.Errorf("Stats = %+v, want 1 accepted, 1 refused, 1 active", st)
	}

	a.Close()
	recv(t, closed, "a's session to close")
	c := conformance.Dial(t, addr)
	echoLine(t, c, "c\n")
}

// Send beyond MaxPending drops that client alone, counted in Stats.Dropped,
// and its session is told ErrOverflow.
func TestOverflowDropsOnlyTheSlowClient(t *testing.T) {
	conns := make(chan netlab.Conn, 2)
	closed := make(chan error, 2)
	svc := &probe{
		open:   func(c netlab.Conn) { conns <- c },
		closed: func(_ netlab.Conn, err error) { closed <- err },
	}
	srv, addr := start(t, svc, netlab.Config{MaxPending: 16 << 10}, eventloop.Options{Loops: 1}, nil)
	slow := conformance.Dial(t, addr)
	sc := recv(t, conns, "the slow client's session")
	other := conformance.Dial(t, addr)
	recv(t, conns, "the other client's session")

	chunk := bytes.Repeat([]byte("x"), 4<<10)
	var err error
	for range 100_000 { // far more than any socket buffer holds
		if err = sc.Send(chunk); err != nil {
			break
		}
	}
	if !errors.Is(err, netlab.ErrOverflow) {
		t.Fatalf("Send to a client that never reads: %v, want ErrOverflow", err)
	}
	if err := sc.Send(chunk); !errors.Is(err, netlab.ErrConnClosed) {
		t.Errorf("Send after the drop: %v, want ErrConnClosed", err)
	}
	if err := recv(t, closed, "Closed"); !errors.Is(err, netlab.ErrOverflow) {
		t.Errorf("Closed(%v), want ErrOverflow", err)
	}
	conformance.WaitClosed(t, slow)
	echoLine(t, other, "unaffected\n")
	if got := srv.Stats().Dropped; got != 1 {
		t.Errorf("Stats.Dropped = %d, want 1", got)
	}
}

// The chat and files services run unchanged on the event loops: they only
// ever use the netlab.Conn contract.
func TestChat(t *testing.T) {
	conformance.Chat(t, model)
}

func TestFiles(t *testing.T) {
	conformance.Files(t, model)
}
