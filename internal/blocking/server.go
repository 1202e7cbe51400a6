package blocking

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/internal/accept"
)

// Engine is the shared state of one server: its service, configuration, open
// listeners and connections. Its methods are safe for concurrent use.
type Engine struct {
	svc  netlab.Service
	cfg  netlab.Config
	busy []byte
	log  *slog.Logger

	listeners accept.Listeners // closing once Shutdown or Close was called

	mu    sync.Mutex
	conns map[*Conn]struct{} // guarded by mu

	wg sync.WaitGroup // every goroutine the engine or a model started for a connection

	counts    accept.Counters // Active is len(conns), not counted here
	lingering atomic.Int32    // refused connections being lingered
}

// NewEngine returns an engine serving svc with cfg (zero fields take their
// defaults).
func NewEngine(svc netlab.Service, cfg netlab.Config) *Engine {
	cfg = cfg.WithDefaults(svc)
	return &Engine{
		svc:   svc,
		cfg:   cfg,
		busy:  netlab.BusyReplyOf(svc),
		log:   cfg.Logger,
		conns: make(map[*Conn]struct{}),
	}
}

// Logger returns the engine's logger (never nil).
func (e *Engine) Logger() *slog.Logger { return e.log }

// Listen registers l so that Shutdown and Close close it. It returns
// [netlab.ErrServerClosed] (and closes l) if the engine is already closing.
func (e *Engine) Listen(l net.Listener) error { return e.listeners.Add(l) }

// Unlisten closes l and forgets it. Serve defers it.
func (e *Engine) Unlisten(l net.Listener) { e.listeners.Remove(l) }

// closing reports whether Shutdown or Close has been called.
func (e *Engine) closing() bool { return e.listeners.Closing() }

// release removes a finished connection from the set, freeing its place
// under MaxConns.
func (e *Engine) release(c *Conn) {
	e.mu.Lock()
	delete(e.conns, c)
	e.mu.Unlock()
}

// served marks a connection's Serve as returned; it is the last thing Serve
// does.
func (e *Engine) served() { e.wg.Done() }

// Stats returns the engine's counters.
func (e *Engine) Stats() netlab.Stats {
	st := e.counts.Stats()
	e.mu.Lock()
	st.Active = int64(len(e.conns))
	e.mu.Unlock()
	return st
}

// snapshot returns the open connections, so that they can be asked to close
// without holding mu, which their goroutines take to leave.
func (e *Engine) snapshot() []*Conn {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Collect(maps.Keys(e.conns))
}

// Shutdown stops accepting, then closes each connection as soon as it is
// quiescent (its output flushed and its session idle) until ctx ends, when it
// drops the rest. It returns once every connection goroutine has exited.
//
// Like net/http, it polls ([accept.Drain]): a connection's quiescence is a
// property of its own goroutines, and asking them now and then is simpler
// and cheaper than having every send report to a central place.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.listeners.Close()
	err := accept.Drain(ctx, e.closeQuiescent)
	if err != nil {
		for _, c := range e.snapshot() {
			c.fail(fmt.Errorf("server shut down: %w", context.Cause(ctx)))
		}
	}
	e.wg.Wait()
	return err
}

// closeQuiescent asks every connection to close once it is quiescent, and
// returns how many were open.
func (e *Engine) closeQuiescent() int {
	cs := e.snapshot()
	for _, c := range cs {
		c.requestClose()
	}
	return len(cs)
}

// Close closes every listener and connection at once and waits for their
// goroutines.
func (e *Engine) Close() error {
	e.listeners.Close()
	for _, c := range e.snapshot() {
		c.fail(netlab.ErrServerClosed)
	}
	e.wg.Wait()
	return nil
}
