package blocking_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/blocking"
	"github.com/netlab-go/netlab/netlabtest"
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
	netlabtest.Await(t, s.done, "the accept loop to return")
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
	require.NoError(t, err, "listen")
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
		ctx, cancel := context.WithTimeout(context.Background(), netlabtest.Timeout)
		defer cancel()
		assert.NoError(t, s.Shutdown(ctx), "shutdown")
		assert.ErrorIs(t, s.served(t), netlab.ErrServerClosed, "what the accept loop returned")
	})
	return s
}

// A session is one connection to an engine serving a probe that reports its
// sessions' opening and end: the server, the client's end of the
// connection, the session's Conn, and the channel Closed reports on.
type session struct {
	srv    *server
	client *net.TCPConn
	conn   netlab.Conn
	closed <-chan error
}

// connect serves a reporting probe with cfg, connects to it and waits for
// the session to open. With tight set, both ends have small socket buffers
// (see startTight).
func connect(t testing.TB, cfg netlab.Config, tight bool) session {
	t.Helper()
	onOpen, opened := netlabtest.Opens()
	onClose, closed := netlabtest.Closes()
	svc := &netlabtest.Probe{OnOpen: onOpen, OnClosed: onClose}
	var s session
	if tight {
		s.srv = startTight(t, svc, cfg)
		s.client = dialTight(t, s.srv.addr)
	} else {
		s.srv = start(t, svc, cfg)
		s.client = netlabtest.Dial(t, s.srv.addr)
	}
	s.conn = netlabtest.Await(t, opened, "the session to open")
	s.closed = closed
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

// dialTight is netlabtest.Dial with small socket buffers: a client that
// stops reading stops the server's writes after a few dozen kilobytes.
func dialTight(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	d := net.Dialer{Timeout: netlabtest.Timeout, Control: tightBuffers}
	nc, err := d.Dial("tcp", addr)
	require.NoError(t, err, "dial %s", addr)
	nc.SetDeadline(time.Now().Add(netlabtest.Timeout))
	t.Cleanup(func() { nc.Close() })
	return nc.(*net.TCPConn)
}

// writeFile writes content to a fresh file and returns its path.
func writeFile(t testing.TB, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.WriteFile(path, content, 0o644))
	return path
}

// sparseFile makes a file of size zero bytes that takes no room on disk,
// and returns its path.
func sparseFile(t testing.TB, size int64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sparse")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, f.Truncate(size))
	return path
}

// openFile opens path for a SendFile, which takes the file over. The test
// closes it too when it ends, in case it failed before the engine could.
func openFile(t testing.TB, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}
