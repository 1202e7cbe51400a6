package blocking_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/blocking"
	"github.com/netlab-go/netlab/internal/conformance"
)

// serve is the smallest model there is — perconn's accept loop — written
// against the engine directly, so that these tests depend on no model
// package and show the engine's API being used the way the models use it.
func serve(e *blocking.Engine, l net.Listener) error {
	if err := e.Listen(l); err != nil {
		return err
	}
	defer e.Unlisten(l)
	for {
		nc, err := e.Accept(l)
		if err != nil {
			return err
		}
		if c := e.Admit(nc); c != nil {
			go c.Serve()
		}
	}
}

// server is an engine serving on a loopback port.
type server struct {
	*blocking.Engine
	addr string
	done chan struct{} // closed when serve has returned
	err  error         // what serve returned; read it after done
}

// served waits for the accept loop to return and returns its error.
func (s *server) served(t testing.TB) error {
	t.Helper()
	recv(t, s.done, "the accept loop to return")
	return s.err
}

// start serves svc with cfg on a fresh port of 127.0.0.1. When the test ends
// it shuts the engine down (a no-op if the test already did) and fails the
// test unless the accept loop returned ErrServerClosed.
func start(t testing.TB, svc netlab.Service, cfg netlab.Config) *server {
	t.Helper()
	return startOn(t, listen(t, net.ListenConfig{}), svc, cfg)
}

// startTight is start with small socket buffers on the server's side (an
// accepted socket inherits the listener's), so that the kernel cannot soak
// up what a test means to see queued. Loopback buffers otherwise grow to
// tens of megabytes.
func startTight(t testing.TB, svc netlab.Service, cfg netlab.Config) *server {
	t.Helper()
	return startOn(t, listen(t, net.ListenConfig{Control: tightBuffers}), svc, cfg)
}

func listen(t testing.TB, lc net.ListenConfig) net.Listener {
	t.Helper()
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return l
}

func startOn(t testing.TB, l net.Listener, svc netlab.Service, cfg netlab.Config) *server {
	t.Helper()
	s := &server{
		Engine: blocking.NewEngine(svc, cfg),
		addr:   l.Addr().String(),
		done:   make(chan struct{}),
	}
	go func() {
		s.err = serve(s.Engine, l)
		close(s.done)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), conformance.Timeout)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := s.served(t); !errors.Is(err, netlab.ErrServerClosed) {
			t.Errorf("the accept loop returned %v, want ErrServerClosed", err)
		}
	})
	return s
}

// sockBuf is the socket buffer size tight sockets ask for. Linux doubles it
// for its bookkeeping and stops growing it on its own.
const sockBuf = 32 << 10

func tightBuffers(_, _ string, rc syscall.RawConn) error {
	var err error
	cerr := rc.Control(func(fd uintptr) {
		err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, sockBuf)
		if err == nil {
			err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, sockBuf)
		}
	})
	if cerr != nil {
		return cerr
	}
	return err
}

// dialTight is conformance.Dial with small socket buffers: a client that
// stops reading stops the server's writes after a few dozen kilobytes.
func dialTight(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	d := net.Dialer{Timeout: conformance.Timeout, Control: tightBuffers}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	nc.SetDeadline(time.Now().Add(conformance.Timeout))
	t.Cleanup(func() { nc.Close() })
	return nc.(*net.TCPConn)
}

// probe is a test service made of functions: each session method calls the
// matching field, if set. Data echoes by default. A test builds the session
// it needs — one that panics, one that sends files, one that is never idle —
// in a few lines.
type probe struct {
	open   func(c netlab.Conn)
	data   func(c netlab.Conn, p []byte)
	eof    func(c netlab.Conn)
	closed func(c netlab.Conn, err error)
	idle   func(c netlab.Conn) bool // nil: the sessions are not Idlers
	busy   []byte                   // the BusyReply
}

func (s *probe) Open(c netlab.Conn) netlab.Session {
	if s.open != nil {
		s.open(c)
	}
	ps := &probeSession{s: s, c: c}
	if s.idle != nil {
		return idlerSession{ps}
	}
	return ps
}

func (s *probe) BusyReply() []byte { return s.busy }

type probeSession struct {
	s *probe
	c netlab.Conn
}

func (ps *probeSession) Data(p []byte) {
	if ps.s.data != nil {
		ps.s.data(ps.c, p)
		return
	}
	ps.c.Send(p)
}

func (ps *probeSession) EOF() {
	if ps.s.eof != nil {
		ps.s.eof(ps.c)
	}
}

func (ps *probeSession) Closed(err error) {
	if ps.s.closed != nil {
		ps.s.closed(ps.c, err)
	}
}

type idlerSession struct{ *probeSession }

func (is idlerSession) Idle() bool { return is.s.idle(is.c) }

// opens returns a probe.open that hands each new Conn to the test, and the
// channel it arrives on.
func opens() (func(netlab.Conn), <-chan netlab.Conn) {
	ch := make(chan netlab.Conn, 16)
	return func(c netlab.Conn) { ch <- c }, ch
}

// closes returns a probe.closed that hands each session's end to the test,
// and the channel it arrives on.
func closes() (func(netlab.Conn, error), <-chan error) {
	ch := make(chan error, 16)
	return func(_ netlab.Conn, err error) { ch <- err }, ch
}

// recv waits for a value on ch, failing the test after conformance.Timeout.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(conformance.Timeout)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// eventually waits until cond holds, failing the test after
// conformance.Timeout. It is for what a test can only observe by asking (a
// counter in Stats), not a way to let time pass: cond must be the event the
// test is waiting for.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(conformance.Timeout)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// roundTrip sends msg on c and expects it back: c is an echo client.
func roundTrip(t testing.TB, c net.Conn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatalf("send %q: %v", msg, err)
	}
	expect(t, c, msg)
}

// expect reads len(want) bytes from c and fails unless they are want.
func expect(t testing.TB, c net.Conn, want string) {
	t.Helper()
	got := make([]byte, len(want))
	if n, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, []byte(want)) {
		t.Fatalf("got %q (%v), want %q", got[:n], err, want)
	}
}

// pattern returns n reproducible pseudo-random bytes: binary, and different
// for every seed, so that misplaced or repeated bytes do not compare equal.
func pattern(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x626c6f636b696e67))
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := i; j < min(i+8, n); j++ {
			b[j] = byte(v)
			v >>= 8
		}
	}
	return b
}

// firstDiff returns the index of the first byte where a and b differ.
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// sameBytes fails the test unless got is want, saying where they part.
func sameBytes(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got %d bytes, want %d; first difference at byte %d", what, len(got), len(want), firstDiff(got, want))
	}
}

// writeFile writes content to a fresh file and returns its path.
func writeFile(t testing.TB, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sparseFile makes a file of size zero bytes that takes no room on disk,
// and returns its path.
func sparseFile(t testing.TB, size int64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sparse")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return path
}

// openFile opens path for a SendFile, which takes the file over. The test
// closes it too when it ends, in case it failed before the engine could.
func openFile(t testing.TB, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
