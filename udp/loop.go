package udp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/netlab-go/netlab"
)

// sweepEvery is how often the loop looks for idle peers: a quarter of the
// idle timeout, but at least once a second, so that a peer outlives its
// timeout by at most the lesser of the two.
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
		s.counts.Accepted.Add(1)
		s.counts.Active.Add(1)
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
	s.counts.Refused.Add(1)
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
			s.counts.Panics.Add(1)
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
	s.counts.Active.Add(-1)
	s.cfg.Logger.Debug("udp: close", "peer", pr.addr, "err", pr.err)
	if pr.sess != nil {
		s.call(pr, func() { pr.sess.Closed(pr.err) })
	}
}

// endAll ends every session when the loop stops.
func (s *Server) endAll() {
	s.mu.Lock()
	all := make([]*peer, 0, len(s.peers))
	for _, pr := range s.peers {
		all = append(all, pr)
	}
	s.mu.Unlock()
	for _, pr := range all {
		pr.end(netlab.ErrServerClosed)
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
