package pool

import (
	"context"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"

	concpool "github.com/sourcegraph/conc/pool"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/blocking"
)

// Server serves a [netlab.Service] on a bounded pool of worker goroutines: at
// most [Options.Workers] sessions run at once, and a client that arrives while
// every worker is busy waits or is turned away, as [Options.Overflow] says.
type Server struct {
	e       *blocking.Engine
	opts    Options
	workers *concpool.Pool

	// slots holds one token for every session that has a worker, and is
	// used under Reject only. conc's Go cannot be asked "would you block?"
	// without blocking, so Reject keeps its own count of the same bound. A
	// non-blocking send on slots asks "is a worker free?" and takes it in
	// one step: two accepts can never both take the last worker, and a
	// free worker is never missed.
	slots chan struct{}

	mu     sync.Mutex
	closed bool           // Shutdown or Close was called; guarded by mu
	loops  sync.WaitGroup // accept loops in Serve; grows only under mu while !closed
	reaped sync.Once      // the worker goroutines are waited for exactly once

	escaped atomic.Int64 // panics that got past blocking.Conn.Serve (see recoverEscaped)

	hooks hooks
}

var _ netlab.Server = (*Server)(nil)

// hooks are called at events no client can see, so that this package's tests
// can wait for them instead of sleeping. They are nil outside tests.
type hooks struct {
	handoff func() // the accept loop is about to call Go with a new connection
	free    func() // a worker has finished a session and is free for the next
}

func run(hook func()) {
	if hook != nil {
		hook()
	}
}

// New returns a server for svc that runs at most opts.Workers sessions at
// once. Zero fields of cfg and opts take their defaults.
//
// The pool's goroutines are started as connections arrive, up to
// opts.Workers, and then kept, parked, until Shutdown or Close: an idle
// server of 64 workers that was once busy costs 64 goroutine stacks.
func New(svc netlab.Service, cfg netlab.Config, opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{
		e:       blocking.NewEngine(svc, cfg),
		opts:    opts,
		workers: concpool.New().WithMaxGoroutines(opts.Workers),
	}
	if opts.Overflow == Reject {
		s.slots = make(chan struct{}, opts.Workers)
	}
	return s
}

// Serve accepts connections on l and hands each to a worker. While every
// worker is busy it stops accepting (Wait) or turns new clients away
// (Reject). It returns [netlab.ErrServerClosed] after Shutdown or Close.
//
// Several Serve calls on several listeners share one pool: the bound is the
// server's, not the listener's.
func (s *Server) Serve(l net.Listener) error {
	if !s.enter() {
		l.Close()
		return netlab.ErrServerClosed
	}
	defer s.loops.Done()
	return s.e.Serve(l, func(nc net.Conn) {
		if s.opts.Overflow == Reject && !s.tryReserve() {
			s.e.Refuse(nc) // every worker is busy: say so and hang up
			return
		}
		run(s.hooks.handoff)
		s.workers.Go(func() { s.serve(nc) }) // Wait: blocks while every worker is busy
	})
}

// serve runs on a worker and serves one connection to its end.
//
// The connection is admitted here, on the worker, rather than in the accept
// loop. Under Wait the accept loop may hold a connection for as long as it
// waits in Go, and until a worker takes it the connection is not being
// served: it must not count as Active, its session must not be opened (chat
// would welcome a client it cannot serve), and if the server shuts down
// meanwhile, Admit closes it instead of serving it.
func (s *Server) serve(nc net.Conn) {
	defer run(s.hooks.free)
	if s.slots != nil {
		// Released before conc's worker is back at its queue, so a Go
		// that took this slot may wait the few instructions that takes;
		// never longer, since no session runs in between.
		defer func() { <-s.slots }()
	}
	defer s.recoverEscaped(nc)
	if c := s.e.Admit(nc); c != nil {
		c.Serve()
	}
}

// recoverEscaped is the pool's backstop against a panic that got past
// blocking.Conn.Serve, which already recovers every call into the session,
// closes that connection and counts it in [netlab.Stats.Panics]. Whatever
// reaches this point is a bug outside the session's methods. Left alone,
// conc would catch it, keep it silently and re-raise it at Wait — at Shutdown,
// long after and far from its cause, taking the process down then. So it is
// logged and counted now, the connection is closed, and the worker goes on.
func (s *Server) recoverEscaped(nc net.Conn) {
	r := recover()
	if r == nil {
		return
	}
	s.escaped.Add(1)
	nc.Close()
	s.e.Logger().Error("pool: panic escaped a session; connection closed",
		"peer", nc.RemoteAddr(), "panic", r, "stack", string(debug.Stack()))
}

// tryReserve takes a worker for a new session if one is free, without
// waiting.
func (s *Server) tryReserve() bool {
	select {
	case s.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// enter registers an accept loop, unless the server is closing.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.loops.Add(1)
	return true
}

// stop marks the server closed: no accept loop starts after it.
func (s *Server) stop() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

// Shutdown stops accepting and closes connections as they become idle, until
// ctx ends; then it closes the rest. A connection the accept loop holds while
// it waits for a worker is closed unserved. Shutdown returns when every
// worker has exited. See [netlab.Server].
func (s *Server) Shutdown(ctx context.Context) error {
	s.stop()
	err := s.e.Shutdown(ctx)
	s.reap()
	return err
}

// Close closes the listeners and every connection now, and returns when
// every worker has exited.
func (s *Server) Close() error {
	s.stop()
	err := s.e.Close()
	s.reap()
	return err
}

// reap waits for the accept loops and then for the pool's goroutines. It is
// called once the engine has ended every session.
//
// The order matters. An accept loop blocked in Go cannot be interrupted —
// conc's Go takes no context — but it gets a worker as soon as one is free,
// and once every session has ended every worker is: the loop hands over the
// connection it held (which Admit then closes, the server being closed),
// finds its listener closed and returns. Only then may the pool be waited
// for: Wait closes the channel Go sends on, and a Go still sending would
// panic.
func (s *Server) reap() {
	s.loops.Wait()
	s.reaped.Do(s.workers.Wait)
}

// Stats returns the server's counters.
func (s *Server) Stats() netlab.Stats {
	st := s.e.Stats()
	st.Panics += s.escaped.Load()
	return st
}
