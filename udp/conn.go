package udp

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/netlab-go/netlab"
)

// errNoFiles is what SendFile says: a file region is a stream's idea.
var errNoFiles = errors.New("udp: file regions are not sent over datagrams")

// peer is one source address: a session's [netlab.Conn]. Its Send writes
// datagrams straight to the shared socket, so it queues nothing but, for a
// line service, the start of a line whose LF the session has not yet said.
type peer struct {
	srv  *Server
	conn *net.UDPConn
	addr netip.AddrPort

	sess netlab.Session // set by the loop before anything else uses it
	last time.Time      // when the last datagram arrived; loop-owned

	mu     sync.Mutex
	out    []byte // a line still without its LF; guarded by mu
	closed bool   // guarded by mu
	err    error  // why the peer ended; written under mu before the loop reads it
}

var _ netlab.Conn = (*peer)(nil)

func newPeer(s *Server, c *net.UDPConn, addr netip.AddrPort) *peer {
	return &peer{srv: s, conn: c, addr: addr}
}

// Send implements [netlab.Conn]. For a line service each complete line
// goes out as one datagram at once, and an unfinished line waits, up to
// [netlab.Config.MaxPending] bytes, for the rest; a line longer than
// [MaxDatagram] goes out in pieces of that size. For any other service p
// is one datagram (pieces of MaxDatagram if it is longer). Send never
// waits: a datagram the kernel will not queue is lost and counted
// ([Server.Lost]).
func (pr *peer) Send(p []byte) error {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.closed {
		return netlab.ErrConnClosed
	}
	if !pr.srv.lines {
		pr.sendLocked(p)
		return nil
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			break
		}
		if len(pr.out) == 0 {
			pr.sendLocked(p[:i+1]) // the usual case: a whole line, no copy
		} else {
			pr.out = append(pr.out, p[:i+1]...)
			pr.sendLocked(pr.out)
			pr.out = pr.out[:0]
		}
		p = p[i+1:]
	}
	if len(pr.out)+len(p) > pr.srv.cfg.MaxPending {
		pr.srv.counts.Dropped.Add(1)
		pr.out = nil
		pr.endLocked(netlab.ErrOverflow)
		return netlab.ErrOverflow
	}
	pr.out = append(pr.out, p...)
	return nil
}

// sendLocked sends p as datagrams of at most MaxDatagram bytes.
func (pr *peer) sendLocked(p []byte) {
	for {
		n := min(len(p), MaxDatagram)
		pr.srv.send(pr.conn, pr.addr, p[:n])
		if p = p[n:]; len(p) == 0 {
			return
		}
	}
}

// SendFile implements [netlab.Conn]: it closes f and returns an error, since
// a download needs a stream that UDP does not give.
func (pr *peer) SendFile(f *os.File, off, n int64) error {
	f.Close()
	return errNoFiles
}

// Close implements [netlab.Conn]: an unfinished line is sent as it is, and
// the loop then runs the session's Closed. A datagram from this address
// after that starts a new session.
func (pr *peer) Close() error {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.closed {
		return nil
	}
	if len(pr.out) > 0 {
		pr.sendLocked(pr.out)
		pr.out = nil
	}
	pr.endLocked(nil)
	return nil
}

// RemoteAddr implements [netlab.Conn]: the peer's source address.
func (pr *peer) RemoteAddr() net.Addr { return net.UDPAddrFromAddrPort(pr.addr) }

// end closes the peer for reason err unless it is closed already.
func (pr *peer) end(err error) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if !pr.closed {
		pr.endLocked(err)
	}
}

func (pr *peer) endLocked(err error) {
	pr.closed, pr.err = true, err
	pr.srv.forget(pr)
}
