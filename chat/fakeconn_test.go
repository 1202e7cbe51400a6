package chat

import (
	"bytes"
	"net"
	"os"
	"sync"

	"github.com/netlab-go/netlab"
)

// fakeConn is a netlab.Conn that keeps what is sent to it, for tests that
// drive sessions and hubs without sockets. A non-zero max makes it overflow
// the way a model's bounded queue does.
type fakeConn struct {
	max     int
	dropped chan struct{} // if not nil, closed when the connection overflows

	mu     sync.Mutex
	out    bytes.Buffer // guarded by mu
	closed bool         // guarded by mu
}

var _ netlab.Conn = (*fakeConn)(nil)

func (f *fakeConn) Send(p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return netlab.ErrConnClosed
	}
	if f.max > 0 && f.out.Len()+len(p) > f.max {
		f.closed = true
		if f.dropped != nil {
			close(f.dropped)
		}
		return netlab.ErrOverflow
	}
	f.out.Write(p)
	return nil
}

func (f *fakeConn) SendFile(file *os.File, _, _ int64) error {
	file.Close()
	return netlab.ErrConnClosed
}

func (f *fakeConn) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

func (f *fakeConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// take returns what was sent since the last take.
func (f *fakeConn) take() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.out.String()
	f.out.Reset()
	return s
}

func (f *fakeConn) isClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}
