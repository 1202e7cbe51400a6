package multiprocess

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/accept"
	"github.com/netlab-go/netlab/internal/blocking"
	"github.com/netlab-go/netlab/internal/frame"
)

// Server serves a registered service with one child process per connection,
// or with a fixed number of preforked children ([Options.Procs]).
type Server struct {
	spec  Spec
	cfg   netlab.Config
	opts  Options
	svc   netlab.Service // the parent's own instance: busy reply, shared state
	relay Relayer        // svc, if it has a shared part; else nil
	e     *blocking.Engine
	log   *slog.Logger
	child childConfig // what every child is told, but its mode

	listeners accept.Listeners // the parent's: without prefork it accepts

	mu       sync.Mutex
	children map[*child]struct{} // started and not yet reaped; guarded by mu
	closing  bool                // Shutdown or Close was called; guarded by mu
	lfile    *os.File            // prefork: the listener every child inherits; guarded by mu
	active   int64               // connections being served; guarded by mu
	accepted int64               // guarded by mu
	refused  int64               // by the parent for a preforked child; guarded by mu
	panics   int64               // sessions that panicked, children that crashed; guarded by mu
	dropped  int64               // guarded by mu

	wg sync.WaitGroup // every goroutine the server started: one per child, one per relay
}

var (
	_ netlab.Server        = (*Server)(nil)
	_ netlab.StatsReporter = (*Server)(nil)
)

// New returns a server for the service spec names, which must be registered
// ([Register]). It builds the parent's own instance of the service at once,
// so a bad Spec (an unknown name, a folder that does not exist) fails here
// rather than in every child. Zero fields of cfg take their defaults; the
// Logger is the parent's alone, since a *slog.Logger cannot cross exec
// either: children log to [Options.Stderr].
func New(spec Spec, cfg netlab.Config, opts Options) (*Server, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	svc, err := build(spec, Env{Logger: log})
	if err != nil {
		return nil, err
	}
	if opts.Wrap.Wrapper != "" {
		if _, err := wrappers.lookup(opts.Wrap.Wrapper); err != nil {
			return nil, err
		}
	}
	cfg = cfg.WithDefaults(svc)
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	level := slog.LevelWarn
	if log.Enabled(context.Background(), slog.LevelDebug) {
		level = slog.LevelDebug
	}
	relay, _ := svc.(Relayer)
	return &Server{
		spec:  spec,
		cfg:   cfg,
		opts:  opts,
		svc:   svc,
		relay: relay,
		e:     blocking.NewEngine(svc, cfg),
		log:   log,
		child: childConfig{
			Spec:        spec,
			Link:        relay != nil,
			IdleTimeout: cfg.IdleTimeout,
			MaxPending:  cfg.MaxPending,
			LogLevel:    level,
			Wrap:        opts.Wrap,
		},
		children: make(map[*child]struct{}),
	}, nil
}

// Serve serves connections on l until Shutdown or Close, and returns
// [netlab.ErrServerClosed] then. Without prefork it accepts, and starts a
// child for each connection; with prefork it starts [Options.Procs]
// children that accept from l themselves, starts a new one whenever one
// dies, and waits.
func (s *Server) Serve(l net.Listener) error {
	if err := s.listeners.Add(l); err != nil {
		return err
	}
	defer s.listeners.Remove(l)
	if s.opts.Procs > 0 {
		return s.servePrefork(l)
	}
	for {
		// Starting a child takes descriptors too (a socketpair or two, a
		// pidfd, exec's status pipe): when those run out, the connection is
		// refused with the busy reply and the loop pauses as it does when
		// accept(2) itself runs out, until children exit.
		_, err := accept.Next(&s.listeners, s.log, "multiprocess", func() (net.Conn, error) {
			nc, err := l.Accept()
			if err != nil {
				return nil, err
			}
			return nc, s.startConn(nc)
		})
		if err != nil {
			return err
		}
	}
}

// startConn hands nc to a new child, or turns it away. It returns an error
// only when the process ran out of descriptors or memory on the way, after
// it has given the client the busy reply.
func (s *Server) startConn(nc net.Conn) error {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		s.log.Error("multiprocess: connection has no file descriptor to hand over", "peer", nc.RemoteAddr())
		nc.Close()
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		nc.Close()
		return nil
	case s.active >= int64(s.cfg.MaxConns):
		s.e.Refuse(nc)
		return nil
	}
	f, err := dupFile(sc, "conn")
	if err == nil {
		var ch *child
		ch, err = s.startLocked(f, false)
		f.Close()
		if err == nil {
			// The child has its own copy of the descriptor, and ours is
			// closed: the connection lives in the child alone, and ends,
			// whatever the child does, when the child does.
			nc.Close()
			ch.open = 1
			s.active++
			s.accepted++
			return nil
		}
	}
	if accept.Classify(err) == accept.Pause {
		s.e.Refuse(nc)
		return err
	}
	s.log.Error("multiprocess: start a child", "err", err)
	nc.Close()
	return nil
}

// servePrefork starts the children and waits for Shutdown or Close.
func (s *Server) servePrefork(l net.Listener) error {
	sc, ok := l.(syscall.Conn)
	if !ok {
		return fmt.Errorf("multiprocess: prefork needs a listener with a file descriptor, not a %T", l)
	}
	f, err := dupFile(sc, "listener")
	if err != nil {
		return fmt.Errorf("multiprocess: duplicate the listener's descriptor: %w", err)
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		f.Close()
		return netlab.ErrServerClosed
	}
	s.lfile = f
	for range s.opts.Procs {
		if _, err := s.startLocked(f, true); err != nil {
			s.mu.Unlock()
			s.Close()
			return fmt.Errorf("multiprocess: prefork: %w", err)
		}
	}
	s.mu.Unlock()
	<-s.listeners.Done()
	return netlab.ErrServerClosed
}

// beginClose stops accepting and starting children, and returns the
// children still running.
func (s *Server) beginClose() []*child {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	s.listeners.Close()
	if s.lfile != nil {
		s.lfile.Close()
		s.lfile = nil
	}
	cs := make([]*child, 0, len(s.children))
	for ch := range s.children {
		cs = append(cs, ch)
	}
	return cs
}

// Shutdown stops accepting and asks every child to shut down gracefully: to
// stop accepting (a preforked one), close its idle connections and let the
// others finish, as perconn's Shutdown does. When ctx ends it kills the
// children that are left and returns ctx.Err(). It returns once every child
// is reaped and every goroutine the server started has exited.
func (s *Server) Shutdown(ctx context.Context) error {
	cs := s.beginClose()
	for _, ch := range cs {
		ch.w.Write(frame.Frame{Verb: verbShutdown})
	}
	// The engine holds nothing but the busy replies being written.
	err := s.e.Shutdown(ctx)
	if !reaped(ctx, cs) {
		s.kill(cs)
		err = ctx.Err()
	}
	s.wg.Wait() // every child reaped, every relay done
	s.closeService()
	return err
}

// reaped waits until every child in cs is reaped, and reports false if ctx
// ends first.
func reaped(ctx context.Context, cs []*child) bool {
	for _, ch := range cs {
		select {
		case <-ch.done:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// Close stops accepting and kills every child. It returns once they are all
// reaped.
func (s *Server) Close() error {
	cs := s.beginClose()
	s.e.Close()
	s.kill(cs)
	s.wg.Wait()
	s.closeService()
	return nil
}

func (s *Server) closeService() {
	if c, ok := s.svc.(io.Closer); ok {
		c.Close()
	}
}

// Stats returns the server's counters. Panics counts both sessions that
// panicked (the child recovered and said so) and children that died
// another way; Dropped counts what children reported.
func (s *Server) Stats() netlab.Stats {
	es := s.e.Stats()
	s.mu.Lock()
	defer s.mu.Unlock()
	return netlab.Stats{
		Accepted: s.accepted,
		Refused:  s.refused + es.Refused,
		Active:   s.active,
		Panics:   s.panics,
		Dropped:  s.dropped,
	}
}

// Children returns the process IDs of the children running now.
func (s *Server) Children() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	pids := make([]int, 0, len(s.children))
	for ch := range s.children {
		pids = append(pids, ch.cmd.Process.Pid)
	}
	return pids
}
