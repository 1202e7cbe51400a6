package udp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netlab-go/netlab"
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

	mu       sync.Mutex
	conn     *net.UDPConn                 // the socket being served; guarded by mu
	closing  bool                         // Shutdown or Close was called; guarded by mu
	done     chan struct{}                // closed when the loop has ended every session
	peers    map[netip.AddrPort]*peer     // guarded by mu
	refused  map[netip.AddrPort]time.Time // addresses told busy, and when last heard; guarded by mu
	ending   []*peer                      // closed peers whose Closed is still to run; guarded by mu
	shutdown error                        // what the loop gives Closed when the server stops; guarded by mu

	accepted, refusedN, active, panics, dropped, lost atomic.Int64
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
	if !s.stop(netlab.ErrServerClosed) {
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
	if s.stop(netlab.ErrServerClosed) {
		<-s.done
	}
	return nil
}

// stop marks the server closing and wakes the loop. It reports whether
// there is a loop to wait for.
func (s *Server) stop(reason error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closing {
		s.closing, s.shutdown = true, reason
	}
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
	return netlab.Stats{
		Accepted: s.accepted.Load(),
		Refused:  s.refusedN.Load(),
		Active:   s.active.Load(),
		Panics:   s.panics.Load(),
		Dropped:  s.dropped.Load(),
	}
}

// Lost returns how many datagrams the server meant to send and the kernel
// would not take, its send buffer being full. They are lost, as UDP allows,
// rather than waited for: a Send never blocks.
func (s *Server) Lost() int64 { return s.lost.Load() }

// sweepEvery is how often the loop looks for idle peers: often enough that
// a peer outlives its idle timeout by at most a quarter of it, and at most
// once a second.
func (s *Server) sweepEvery() time.Duration {
	d := s.cfg.IdleTimeout / 4
	switch {
	case s.cfg.IdleTimeout < 0 || d > time.Second:
		return time.Second
	case d < time.Millisecond:
		return time.Millisecond
	}
	return d
}

// loop is the server: one goroutine reads every datagram, feeds it to its
// peer's session, ends the sessions that closed, and sweeps idle peers
// whenever its read deadline (the next sweep) passes.
func (s *Server) loop(c *net.UDPConn) error {
	buf := make([]byte, 1<<16)
	every := s.sweepEvery()
	next := time.Now().Add(every)
	for {
		// The deadline is set under mu, after looking at what is pending:
		// a waker holds mu too, so its wake-up cannot be overwritten.
		s.mu.Lock()
		closing, pending := s.closing, len(s.ending) > 0
		c.SetReadDeadline(next)
		s.mu.Unlock()
		if closing {
			return netlab.ErrServerClosed
		}
		if pending {
			s.endClosed()
		}
		n, from, err := c.ReadFromUDPAddrPort(buf)
		switch {
		case err == nil:
			s.datagram(c, from, buf[:n])
		case errors.Is(err, os.ErrDeadlineExceeded):
			// A sweep is due, or Close or a session woke the loop.
		case errors.Is(err, net.ErrClosed):
			return netlab.ErrServerClosed
		default:
			// ICMP port unreachable from a peer that went away comes
			// back as ECONNREFUSED on Linux; it is that peer's news, not
			// the socket's, and the peer will idle out.
			s.cfg.Logger.Debug("udp: read", "err", err)
			continue
		}
		s.endClosed()
		if now := time.Now(); !now.Before(next) {
			s.sweep(now)
			next = now.Add(every)
		}
	}
}

// datagram serves one datagram from addr: a known peer's session gets it, a
// new address gets a session (or the busy reply).
func (s *Server) datagram(c *net.UDPConn, addr netip.AddrPort, p []byte) {
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	now := time.Now()
	s.mu.Lock()
	pr := s.peers[addr]
	if pr == nil {
		if len(s.peers) >= s.cfg.MaxConns {
			s.refuseLocked(c, addr, now)
			s.mu.Unlock()
			return
		}
		pr = newPeer(s, c, addr)
		s.peers[addr] = pr
		delete(s.refused, addr)
		s.mu.Unlock()
		s.accepted.Add(1)
		s.active.Add(1)
		s.cfg.Logger.Debug("udp: open", "peer", addr)
		if !s.call(pr, func() { pr.sess = s.svc.Open(pr) }) {
			return
		}
	} else {
		s.mu.Unlock()
	}
	pr.last = now
	s.cfg.Logger.Debug("udp: recv", "peer", addr, "bytes", len(p))
	if s.lines {
		if len(p) == 0 {
			return // no lines at all: it only made the peer known
		}
		if p[len(p)-1] != '\n' {
			// A line never spans datagrams: the text after the last LF is
			// a line of its own. buf has room: p is at most 65,527 bytes.
			p = append(p, '\n')
		}
	}
	// An empty datagram is still a datagram: echo sends one back.
	s.call(pr, func() { pr.sess.Data(p) })
}

// refuseLocked tells a new address beyond MaxConns that the server is busy,
// once: an address already told is only remembered as heard again.
func (s *Server) refuseLocked(c *net.UDPConn, addr netip.AddrPort, now time.Time) {
	if _, told := s.refused[addr]; told {
		s.refused[addr] = now
		return
	}
	if len(s.refused) < maxRefused {
		s.refused[addr] = now
	}
	s.refusedN.Add(1)
	s.cfg.Logger.Debug("udp: busy", "peer", addr)
	if s.busy != nil {
		s.send(c, addr, s.busy)
	}
}

// call runs f, a call into pr's session, and reports whether it returned. A
// panic ends that session alone: the loop and every other peer go on.
func (s *Server) call(pr *peer, f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			s.panics.Add(1)
			s.cfg.Logger.Error("udp: session panicked", "peer", pr.addr, "panic", r)
			pr.end(fmt.Errorf("udp: session panicked: %v", r))
		}
	}()
	f()
	return true
}

// sweep ends the peers that have sent nothing for the idle timeout, and
// forgets refused addresses as quiet.
func (s *Server) sweep(now time.Time) {
	if s.cfg.IdleTimeout < 0 {
		return
	}
	s.mu.Lock()
	var idle []*peer
	for _, pr := range s.peers {
		if now.Sub(pr.last) >= s.cfg.IdleTimeout {
			idle = append(idle, pr)
		}
	}
	for addr, last := range s.refused {
		if now.Sub(last) >= s.cfg.IdleTimeout {
			delete(s.refused, addr)
		}
	}
	s.mu.Unlock()
	for _, pr := range idle {
		s.cfg.Logger.Debug("udp: idle timeout", "peer", pr.addr)
		pr.end(fmt.Errorf("udp: idle for %v: %w", s.cfg.IdleTimeout, os.ErrDeadlineExceeded))
	}
	s.endClosed()
}

// endClosed runs Closed for every peer that closed since the last time, on
// the loop, so that a session never hears Closed while in Data or from
// inside another connection's Send.
func (s *Server) endClosed() {
	for {
		s.mu.Lock()
		ending := s.ending
		s.ending = nil
		s.mu.Unlock()
		if len(ending) == 0 {
			return
		}
		for _, pr := range ending {
			s.closed(pr)
		}
	}
}

// closed tells pr's session it is over.
func (s *Server) closed(pr *peer) {
	s.active.Add(-1)
	s.cfg.Logger.Debug("udp: close", "peer", pr.addr, "err", pr.err)
	if pr.sess != nil {
		s.call(pr, func() { pr.sess.Closed(pr.err) })
	}
}

// endAll ends every session when the loop stops.
func (s *Server) endAll() {
	s.mu.Lock()
	reason := s.shutdown
	if reason == nil {
		reason = netlab.ErrServerClosed
	}
	all := make([]*peer, 0, len(s.peers))
	for _, pr := range s.peers {
		all = append(all, pr)
	}
	s.mu.Unlock()
	for _, pr := range all {
		pr.end(reason)
	}
	s.endClosed()
}

// forget removes pr from the peers and queues its Closed for the loop.
func (s *Server) forget(pr *peer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.peers[pr.addr] == pr {
		delete(s.peers, pr.addr)
	}
	s.ending = append(s.ending, pr)
	if s.conn != nil {
		s.wakeLocked()
	}
}

// send writes one datagram to addr without waiting: a full send buffer
// loses it and counts it.
func (s *Server) send(c *net.UDPConn, addr netip.AddrPort, p []byte) {
	if err := sendNow(c, s.v4, addr, p); err != nil {
		s.lost.Add(1)
		s.cfg.Logger.Debug("udp: datagram lost", "peer", addr, "bytes", len(p), "err", err)
		return
	}
	s.cfg.Logger.Debug("udp: send", "peer", addr, "bytes", len(p))
}
