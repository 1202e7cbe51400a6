package eventloop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/accept"
)

var (
	_ netlab.Server        = (*Server)(nil)
	_ netlab.StatsReporter = (*Server)(nil)
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

	counts accept.Counters
}

// testHooks lets this package's tests wait for events that no client can
// see. The loops call them on their own goroutines.
type testHooks struct {
	paused   func() // a connection stopped being read (backpressure)
	resumed  func() // and is read again
	draining func() // a loop began its graceful shutdown
}

// defaultLoops is what a zero Options.Loops means.
func defaultLoops() int {
	return max(runtime.GOMAXPROCS(0)-1, 1)
}

// New returns a server for svc. Zero fields of cfg take their defaults. It
// starts nothing: the loops start with the first call to Serve.
func New(svc netlab.Service, cfg netlab.Config, opts Options) (*Server, error) {
	if svc == nil {
		return nil, errors.New("eventloop: New needs a service")
	}
	if opts.Loops < 0 {
		return nil, fmt.Errorf("eventloop: Options.Loops is %d; use 0 for the default, one per processor but one", opts.Loops)
	}
	n := opts.Loops
	if n == 0 {
		n = defaultLoops()
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
func (s *Server) Stats() netlab.Stats { return s.counts.Stats() }

// clock is the loops' time: nanoseconds since the server was made, from the
// monotonic clock, so that a change of the wall clock cannot fire (or
// postpone) every idle timeout at once.
func (s *Server) clock() int64 { return int64(time.Since(s.epoch)) }
