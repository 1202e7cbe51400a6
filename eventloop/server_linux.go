package eventloop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/accept"
)

// Server serves a [netlab.Service] on a few epoll event loops, each on its
// own OS thread, with no goroutine per connection.
//
// Serve's goroutine is the acceptor: it accepts sockets straight from the
// listener's descriptor and hands each to the least loaded loop. Each loop
// then does everything else for its connections: reads, calls the session,
// writes, keeps their timers and closes them.
type Server struct {
	svc       netlab.Service
	cfg       netlab.Config
	busy      []byte
	log       *slog.Logger
	nloops    int
	highWater int        // stop reading a connection with more output than this queued
	lowWater  int        // and read it again once it is down to this
	epoch     time.Time  // the loops' clock counts from here (monotonic)
	hooks     *testHooks // nil, except in this package's tests

	listeners accept.Listeners // duplicates of the listeners being served; closing once Shutdown or Close was called

	mu    sync.Mutex
	loops []*loop // started by the first Serve; guarded by mu

	wg sync.WaitGroup // the loop goroutines

	accepted, refused, active, panics, dropped atomic.Int64
}

var (
	_ netlab.Server        = (*Server)(nil)
	_ netlab.StatsReporter = (*Server)(nil)
)

// testHooks lets this package's tests wait for events that no client can
// see. The loops call them on their own goroutines.
type testHooks struct {
	paused   func() // a connection stopped being read (backpressure)
	resumed  func() // and is read again
	draining func() // a loop began its graceful shutdown
}

// New returns a server for svc. Zero fields of cfg take their defaults. It
// starts nothing: the loops start with the first call to Serve.
func New(svc netlab.Service, cfg netlab.Config, opts Options) (*Server, error) {
	if svc == nil {
		return nil, errors.New("eventloop: New needs a service")
	}
	if opts.Loops < 0 {
		return nil, fmt.Errorf("eventloop: Options.Loops is %d; use 0 for one loop per core", opts.Loops)
	}
	n := opts.Loops
	if n == 0 {
		n = runtime.GOMAXPROCS(0)
	}
	cfg = cfg.WithDefaults(svc)
	high := max(cfg.MaxPending/2, 1)
	return &Server{
		svc:       svc,
		cfg:       cfg,
		busy:      netlab.BusyReplyOf(svc),
		log:       cfg.Logger,
		nloops:    n,
		highWater: high,
		lowWater:  high / 2,
		epoch:     time.Now(),
	}, nil
}

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
	refused := s.active.Add(1) > int64(s.cfg.MaxConns)
	if refused {
		s.active.Add(-1)
	}
	if !pick(loops).handoff(handoff{fd: fd, peer: addrPort(a.sa), refused: refused}) {
		if !refused {
			s.active.Add(-1)
		}
		unix.Close(fd) // shutting down
		return
	}
	if refused {
		s.refused.Add(1)
	} else {
		s.accepted.Add(1)
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

// startLoops starts the loops if this is the first Serve, and returns them.
//
// It looks at closing under mu, and Shutdown marks the listeners closing
// before it takes mu to find the loops: so either Shutdown finds the loops
// started here, or no loop is started at all. Started after it looked, they
// would never be told to stop.
func (s *Server) startLoops() ([]*loop, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listeners.Closing() {
		return nil, netlab.ErrServerClosed
	}
	if s.loops == nil {
		loops := make([]*loop, 0, s.nloops)
		for range s.nloops {
			l, err := newLoop(s)
			if err != nil {
				for _, l := range loops {
					l.poller.close()
				}
				return nil, fmt.Errorf("eventloop: start loops: %w", err)
			}
			loops = append(loops, l)
		}
		s.loops = loops
		for _, l := range loops {
			s.wg.Go(l.run)
		}
	}
	return s.loops, nil
}

// beginClose marks the server closing and closes its listeners, so that
// every Serve returns ErrServerClosed. It returns the loops, if any started.
func (s *Server) beginClose() []*loop {
	s.listeners.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loops
}

// Shutdown stops accepting, then lets each loop close its connections as
// each becomes quiescent (output flushed, session idle) and stop when it has
// none left. If ctx ends first, the loops close the rest at once. Shutdown
// returns when every loop has stopped; see [netlab.Server].
//
// A loop sees every event that could make a connection quiescent (a write
// that empties the queue, a session call, a Send from elsewhere) and checks
// then; it also asks every session again every 100ms, for an Idler whose
// answer changes with no event on its connection.
func (s *Server) Shutdown(ctx context.Context) error {
	loops := s.beginClose()
	for _, l := range loops {
		l.requestDrain()
	}
	for _, l := range loops {
		select {
		case <-l.done:
		case <-ctx.Done():
			err := fmt.Errorf("eventloop: server shut down: %w", context.Cause(ctx))
			for _, l := range loops {
				l.requestAbort(err)
			}
			s.wg.Wait()
			return ctx.Err()
		}
	}
	s.wg.Wait()
	return nil
}

// Close closes the listeners and every connection now, without flushing,
// and returns when every loop has stopped.
func (s *Server) Close() error {
	for _, l := range s.beginClose() {
		l.requestAbort(netlab.ErrServerClosed)
	}
	s.wg.Wait()
	return nil
}

// Stats returns the server's counters.
func (s *Server) Stats() netlab.Stats {
	return netlab.Stats{
		Accepted: s.accepted.Load(),
		Refused:  s.refused.Load(),
		Active:   s.active.Load(),
		Panics:   s.panics.Load(),
		Dropped:  s.dropped.Load(),
	}
}

// clock is the loops' time: nanoseconds since the server was made, from the
// monotonic clock, so that a change of the wall clock cannot fire (or
// postpone) every idle timeout at once.
func (s *Server) clock() int64 { return int64(time.Since(s.epoch)) }

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
