package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/accept"
)

// Server serves a [netlab.Service] to browsers: a page at "/", a plain line
// console at "/console", and the WebSocket endpoint "/ws" on which every
// connection is one session of the service. It is an [http.Handler], so it
// can be mounted in any mux, and a [netlab.Server] of its own (Serve,
// Shutdown, Close) for a listener of its own.
//
// Its methods are safe for concurrent use.
type Server struct {
	svc  netlab.Service
	cfg  netlab.Config
	page Page
	busy []byte
	log  *slog.Logger
	mux  *http.ServeMux

	base   context.Context    // every connection's context derives from it
	cancel context.CancelFunc // cancels base: Close

	mu      sync.Mutex
	conns   map[*conn]struct{} // guarded by mu
	http    *http.Server       // made by the first Serve; guarded by mu
	closing bool               // Shutdown or Close was called; guarded by mu

	wg sync.WaitGroup // every WebSocket handler still running

	counts accept.Counters // Active is len(conns), not counted here
}

var (
	_ netlab.Server        = (*Server)(nil)
	_ netlab.StatsReporter = (*Server)(nil)
	_ http.Handler         = (*Server)(nil)
)

// Page is what a [Server] serves at "/".
type Page int

const (
	// ConsolePage is a plain line console: each line typed is sent, each
	// line received is shown. It suits any line service (echo, the
	// temperature converter).
	ConsolePage Page = iota

	// ChatPage is the chat room: names, messages with their senders and
	// times, direct messages apart, the online list.
	ChatPage
)

// An Option configures a [Server].
type Option func(*Server)

// WithPage makes the server serve p at "/" (the default is [ConsolePage];
// the console stays at "/console" either way).
func WithPage(p Page) Option { return func(s *Server) { s.page = p } }

// New returns a server for svc. Zero fields of cfg take their defaults for
// svc, as in every model: chat connections idle out after 30 minutes, each
// connection may have 1 MiB of output queued before it is dropped.
//
// Give a TCP model and New the same svc, and their clients share it: one
// *chat.Service is one room, whoever its members are.
func New(svc netlab.Service, cfg netlab.Config, opts ...Option) *Server {
	cfg = cfg.WithDefaults(svc)
	s := &Server{
		svc:   svc,
		cfg:   cfg,
		busy:  netlab.BusyReplyOf(svc),
		log:   cfg.Logger,
		conns: make(map[*conn]struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	s.base, s.cancel = context.WithCancel(context.Background())
	s.mux = s.routes()
	return s
}

// ServeHTTP implements [http.Handler].
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// serveWS upgrades the request to a WebSocket and runs a session on it
// until it closes. The library refuses a cross-origin upgrade itself, with
// 403: a page from another site must not be able to join a room in the
// name of whoever has this one open.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1) // under mu: Shutdown sets closing under mu before it waits
	s.mu.Unlock()
	defer s.wg.Done()

	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		s.log.Debug("web: upgrade refused", "peer", r.RemoteAddr, "err", err)
		return
	}
	ws.SetReadLimit(maxMessage)
	c := newConn(s.base, s, ws, peerAddr(r.RemoteAddr))
	if ok, closing := s.admit(c); !ok {
		if closing {
			c.ws.Close(closeShutdown.status, closeShutdown.reason)
			c.cancel()
			return
		}
		s.refuse(c)
		return
	}
	s.counts.Accepted.Add(1)
	s.log.Debug("web: open", "peer", c.peer)
	c.serve()
	s.release(c)
}

// admit registers c unless the server is closing or full.
func (s *Server) admit(c *conn) (ok, closing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || len(s.conns) >= s.cfg.MaxConns {
		return false, s.closing
	}
	s.conns[c] = struct{}{}
	return true, false
}

func (s *Server) release(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// refuse tells a browser the server has no room for it, in the service's
// own words, and closes with status 1013 (try again later).
func (s *Server) refuse(c *conn) {
	s.counts.Refused.Add(1)
	s.log.Debug("web: refused: server busy", "peer", c.peer)
	defer c.cancel()
	if line := trimLF(s.busy); len(line) > 0 {
		ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
		defer cancel()
		if c.ws.Write(ctx, websocket.MessageText, line) != nil {
			return
		}
	}
	c.ws.Close(closeBusy.status, closeBusy.reason)
}

// Serve accepts HTTP connections on l and serves them until Shutdown or
// Close, after which it returns [netlab.ErrServerClosed]. It may be called
// for several listeners.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		l.Close()
		return netlab.ErrServerClosed
	}
	if s.http == nil {
		s.http = &http.Server{
			Handler:           s,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute, // between page loads; a WebSocket has its own
			ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		}
	}
	hs := s.http
	s.mu.Unlock()
	err := hs.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return netlab.ErrServerClosed
	}
	return fmt.Errorf("web: serve: %w", err)
}

// beginClose marks the server closing and returns its HTTP server, if any.
func (s *Server) beginClose() *http.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	return s.http
}

func (s *Server) snapshot() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Collect(maps.Keys(s.conns))
}

// Shutdown stops accepting, then closes each WebSocket with status 1001
// (going away) as soon as its session is between requests, after what is
// queued for it is sent, until ctx ends; then it drops the rest. It returns
// once every connection's goroutines have exited, with ctx's error if it had
// to cut some short.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	if hs := s.beginClose(); hs != nil {
		err = hs.Shutdown(ctx) // the listeners and the plain HTTP requests
	}
	if cut := accept.Drain(ctx, s.closeIdle); cut != nil {
		s.dropAll(fmt.Errorf("web: server shut down: %w", context.Cause(ctx)))
		err = cut
	}
	s.wg.Wait()
	return err
}

// closeIdle closes every connection whose session is between requests and
// returns how many were open.
func (s *Server) closeIdle() int {
	cs := s.snapshot()
	for _, c := range cs {
		if c.quiescent() {
			c.closeWith(closeShutdown)
		}
	}
	return len(cs)
}

// Close closes the listeners and every connection at once, and returns when
// every goroutine the server started has exited.
func (s *Server) Close() error {
	var err error
	if hs := s.beginClose(); hs != nil {
		err = hs.Close()
	}
	s.dropAll(netlab.ErrServerClosed)
	s.cancel()
	s.wg.Wait()
	return err
}

func (s *Server) dropAll(err error) {
	for _, c := range s.snapshot() {
		c.drop(closeDropped, err)
	}
}

// Stats returns the server's counters.
func (s *Server) Stats() netlab.Stats {
	st := s.counts.Stats()
	s.mu.Lock()
	st.Active = int64(len(s.conns))
	s.mu.Unlock()
	return st
}

// peerAddr turns an http.Request's RemoteAddr into a net.Addr.
func peerAddr(remote string) net.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return net.TCPAddrFromAddrPort(ap)
	}
	return stringAddr(remote)
}

// stringAddr is a peer address net/http gave in a form netip cannot parse.
type stringAddr string

func (a stringAddr) Network() string { return "tcp" }
func (a stringAddr) String() string  { return string(a) }

func trimLF(p []byte) []byte {
	if n := len(p); n > 0 && p[n-1] == '\n' {
		return p[:n-1]
	}
	return p
}
