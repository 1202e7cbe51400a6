package eventloop

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/netlab-go/netlab/internal/accept"
)

// Serve accepts connections on l, which must be a *net.TCPListener, and
// hands them to the event loops, starting the loops the first time. It
// returns [netlab.ErrServerClosed] after Shutdown or Close, and closes l.
//
// Serve does not use l.Accept, which would wrap every socket in a
// *net.TCPConn registered with the Go runtime's own poller, only for a loop
// to take its descriptor away (a dup: an fd per connection) and throw the
// wrapper out. Instead it calls accept4(2) on the listener's descriptor, so
// that the accepted socket is born non-blocking and owned by nobody but the
// loop that gets it, and leaves only the waiting (while the backlog is
// empty) to the runtime's poller.
//
// A *net.TCPListener lends its descriptor only for the length of a call
// (SyscallConn's Control; its Read is not supported), so Serve takes a
// duplicate with File, once per listener, and closes l: the socket goes on
// listening through the duplicate. An *os.File's RawConn does wait for
// readiness, and closing the file (Shutdown does) wakes it.
func (s *Server) Serve(l net.Listener) error {
	tl, ok := l.(*net.TCPListener)
	if !ok {
		l.Close()
		return fmt.Errorf("eventloop: Serve needs a *net.TCPListener, not %T: the loops accept from its file descriptor", l)
	}
	lf, err := tl.File()
	tl.Close()
	if err != nil {
		return fmt.Errorf("eventloop: listener: %w", err)
	}
	rc, err := lf.SyscallConn()
	if err != nil {
		lf.Close()
		return fmt.Errorf("eventloop: listener: %w", err)
	}
	if err := s.listeners.Add(lf); err != nil {
		return err
	}
	defer s.listeners.Remove(lf)
	loops, err := s.startLoops()
	if err != nil {
		return err
	}
	next := func() (accepted, error) { return acceptFrom(rc) }
	for {
		a, err := accept.Next(&s.listeners, s.log, "eventloop", next)
		if err != nil {
			return err
		}
		s.dispatch(loops, a)
	}
}

// accepted is a socket accept4 returned, with the client's address.
type accepted struct {
	fd int
	sa unix.Sockaddr
}

// acceptFrom takes the next connection from the listener behind rc. While the
// backlog is empty accept4 fails with EAGAIN, and the function returns
// false: RawConn.Read then parks the goroutine in Go's netpoller until the
// listener is readable, or closed. The file's descriptor stays open until
// Read returns, even if another goroutine closes the file meanwhile: no
// accept4 can ever run on a number that was reused.
func acceptFrom(rc syscall.RawConn) (accepted, error) {
	var a accepted
	var aerr error
	err := rc.Read(func(lfd uintptr) bool {
		for {
			// SOCK_NONBLOCK: the loops never block on a socket.
			// SOCK_CLOEXEC: child processes must not inherit it.
			a.fd, a.sa, aerr = unix.Accept4(int(lfd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			if aerr != unix.EINTR {
				return aerr != unix.EAGAIN
			}
		}
	})
	if err != nil {
		return accepted{fd: -1}, err // the listener was closed
	}
	if aerr != nil {
		return accepted{fd: -1}, os.NewSyscallError("accept4", aerr)
	}
	return a, nil
}

// dispatch hands a freshly accepted socket to a loop, or turns it away busy
// if the server is at its connection limit.
func (s *Server) dispatch(loops []*loop, a accepted) {
	fd := a.fd
	// Go's net package turns Nagle's algorithm off on every TCP
	// connection; do the same, or small replies written while an earlier
	// one is unacknowledged would wait for the client's delayed ACK.
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
		s.log.Debug("accept: set TCP_NODELAY", "err", os.NewSyscallError("setsockopt", err))
	}
	refused := s.counts.Active.Add(1) > int64(s.cfg.MaxConns)
	if refused {
		s.counts.Active.Add(-1)
	}
	if !pick(loops).handoff(handoff{fd: fd, peer: addrPort(a.sa), refused: refused}) {
		if !refused {
			s.counts.Active.Add(-1)
		}
		unix.Close(fd) // shutting down
		return
	}
	if refused {
		s.counts.Refused.Add(1)
	} else {
		s.counts.Accepted.Add(1)
	}
}

// pick returns the loop with the fewest connections.
//
// Least connections rather than round robin, because connections do not
// all live equally long: after a burst of short ones closes, round robin
// would keep dealing every loop the same share of new connections however
// many long-lived ones (idle chat members) each already holds. Reading one
// atomic counter per loop, a handful, costs less than a system call.
func pick(loops []*loop) *loop {
	best := loops[0]
	least := best.load.Load()
	for _, l := range loops[1:] {
		if n := l.load.Load(); n < least {
			best, least = l, n
		}
	}
	return best
}

// addrPort turns a socket address from accept4 into a compact value.
// (An IPv6 zone is dropped: it is only needed to route link-local addresses.)
func addrPort(sa unix.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

// accept adopts a socket the acceptor handed over: it registers it with
// epoll and opens its session (or, for a client over MaxConns, queues the
// busy reply and closes).
func (l *loop) accept(h handoff) {
	c := &conn{l: l, fd: h.fd, peer: h.peer, refused: h.refused, events: evRead}
	l.conns.add(c)
	if err := l.poller.add(h.fd, c.slot, evRead); err != nil {
		l.s.log.Error("eventloop: register connection", "peer", c.RemoteAddr(), "err", err)
		l.conns.remove(c)
		unix.Close(h.fd)
		l.release(c)
		return
	}
	c.lastActive = l.now
	if l.s.cfg.IdleTimeout > 0 {
		l.idle.pushBack(c)
	}
	if h.refused {
		l.debug("refused: server busy", c)
		c.mu.Lock()
		c.state = stateClosing
		c.out.appendBytes(l.s.busy)
		c.mu.Unlock()
	} else {
		l.debug("open", c)
		l.call(c, func() { c.sess = l.s.svc.Open(c) })
	}
	l.flush(c)
}
