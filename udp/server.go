package udp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/accept"
)

// MaxDatagram is the largest datagram the server sends or echoes: the
// largest UDP payload IPv4 can carry (65,535 bytes less the 20-byte IP
// header and the 8-byte UDP header). A client's larger datagram is refused
// by its own kernel (EMSGSIZE) before it is sent.
const MaxDatagram = 65507

// maxRefused bounds how many refused addresses the server remembers so as
// to send each of them one busy datagram, not one per datagram.
const maxRefused = 4096

// Options configures a [Server] beyond the [netlab.Config] every model
// shares. The zero value suits a service that is not line-oriented (echo).
type Options struct {
	// Lines says the service speaks lines (chat, tempconv): the server then
	// sends every line the session says as one datagram ending in LF, however
	// the session split its Sends, and hands the session every datagram as
	// whole lines, adding the LF a datagram's last line lacks. Without it
	// each Send is one datagram and each datagram is handed over unchanged.
	Lines bool
}

// Server serves a [netlab.Service] over one UDP socket. Make one with [New].
// Its methods may be called from any goroutine.
type Server struct {
	svc   netlab.Service
	cfg   netlab.Config
	lines bool
	busy  []byte // the service's busy reply, or nil to refuse in silence
	v4    bool   // the socket is AF_INET; set by Serve before the loop starts

	mu      sync.Mutex
	conn    *net.UDPConn                 // the socket being served; guarded by mu
	closing bool                         // Shutdown or Close was called; guarded by mu
	done    chan struct{}                // closed when the loop has ended every session
	peers   map[netip.AddrPort]*peer     // guarded by mu
	refused map[netip.AddrPort]time.Time // addresses told busy, and when last heard; guarded by mu
	ending  []*peer                      // closed peers whose Closed is still to run; guarded by mu

	counts accept.Counters // Refused counts addresses told busy, Active open peers
	lost   atomic.Int64
}

var _ netlab.StatsReporter = (*Server)(nil)

// New returns a server for svc. It does nothing until [Server.Serve].
func New(svc netlab.Service, cfg netlab.Config, o Options) *Server {
	return &Server{
		svc:     svc,
		cfg:     cfg.WithDefaults(svc),
		lines:   o.Lines,
		busy:    netlab.BusyReplyOf(svc),
		done:    make(chan struct{}),
		peers:   map[netip.AddrPort]*peer{},
		refused: map[netip.AddrPort]time.Time{},
	}
}

// ListenAndServe listens on the UDP address addr (host:port) and serves it.
// Like [Server.Serve] it returns [netlab.ErrServerClosed] after Shutdown.
func (s *Server) ListenAndServe(addr string) error {
	a, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return fmt.Errorf("udp: resolve %s: %w", addr, err)
	}
	c, err := net.ListenUDP("udp", a)
	if err != nil {
		return fmt.Errorf("udp: listen: %w", err)
	}
	return s.Serve(c)
}

// Serve reads datagrams from c and serves their senders until Shutdown or
// Close, on the calling goroutine: it is the server's one loop. It takes
// ownership of c and closes it, and always returns a non-nil error: after
// Shutdown or Close, [netlab.ErrServerClosed].
func (s *Server) Serve(c *net.UDPConn) error {
	s.mu.Lock()
	if s.closing || s.conn != nil {
		again := s.conn != nil
		s.mu.Unlock()
		c.Close()
		if again {
			return errors.New("udp: Serve called twice")
		}
		return netlab.ErrServerClosed
	}
	s.conn, s.v4 = c, isIPv4(c)
	s.mu.Unlock()
	s.cfg.Logger.Debug("udp: serving", "addr", c.LocalAddr())

	err := s.loop(c)
	s.endAll()
	c.Close()
	close(s.done)
	return err
}

// Addr returns the address being served, or nil before Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	return s.conn.LocalAddr()
}

// Shutdown stops reading and ends every session: each hears Closed with
// [netlab.ErrServerClosed] (chat's members leave). A datagram holds no
// transfer in progress, so there is nothing to wait for but the loop's
// current datagram. It returns once the loop has ended, or with ctx's error
// if ctx ends first.
func (s *Server) Shutdown(ctx context.Context) error {
	if !s.stop() {
		return nil
	}
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the server as Shutdown does, without a deadline: over UDP
// there is no connection to cut, so the two differ only in waiting.
func (s *Server) Close() error {
	if s.stop() {
		<-s.done
	}
	return nil
}

// stop marks the server closing and wakes the loop. It reports whether
// there is a loop to wait for.
func (s *Server) stop() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	if s.conn == nil {
		return false
	}
	s.wakeLocked()
	return true
}

// wakeLocked interrupts the loop's read, so that it ends closed sessions or
// the server now rather than at its next tick. Moving the read deadline
// into the past is how a blocked read on a Go socket is cut short.
func (s *Server) wakeLocked() {
	s.conn.SetReadDeadline(time.Unix(1, 0))
}

// Stats implements [netlab.StatsReporter]. A peer counts as a connection:
// Accepted counts sessions opened, Refused addresses told busy.
func (s *Server) Stats() netlab.Stats {
	return s.counts.Stats()
}

// Lost returns how many datagrams the server meant to send and the kernel
// would not take, its send buffer being full. They are lost, as UDP allows,
// rather than waited for: a Send never blocks.
func (s *Server) Lost() int64 { return s.lost.Load() }
