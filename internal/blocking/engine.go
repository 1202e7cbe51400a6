// Package blocking serves netlab sessions on net.Conns with blocking I/O: the
// goroutine that serves a connection reads from it, and a writer goroutine per
// connection drains its output queue. It is the machinery the iterative,
// perconn and pool models share, so that those packages hold nothing but how
// they schedule connections, which is the lesson.
//
// An [Engine] tracks one server's listeners and connections and implements
// graceful shutdown; a [Conn] runs one session.
package blocking

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

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

	accepted, refused, panics, dropped atomic.Int64
	lingering                          atomic.Int32 // refused connections being lingered
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

// Accept waits for the next connection on l, with the accept policy every
// model shares (see package [accept]): a connection lost in the backlog is
// skipped, running out of file descriptors pauses accepting until
// connections close, anything else is returned. Once the engine is closing
// it returns [netlab.ErrServerClosed].
func (e *Engine) Accept(l net.Listener) (net.Conn, error) {
	return accept.Next(&e.listeners, e.log, "netlab", l.Accept)
}

// closing reports whether Shutdown or Close has been called.
func (e *Engine) closing() bool { return e.listeners.Closing() }

// Admit wraps a freshly accepted connection and counts it as in flight:
// Shutdown and Close wait until its Serve method has returned, so the caller
// must run Serve, on whatever goroutine its model chooses. If the server is
// at its connection limit, Admit refuses the client (see [Engine.Refuse]); if
// it is closing, it closes the connection; either way it returns nil.
func (e *Engine) Admit(nc net.Conn) *Conn {
	e.mu.Lock()
	if e.closing() {
		e.mu.Unlock()
		nc.Close()
		return nil
	}
	if len(e.conns) >= e.cfg.MaxConns {
		e.refuseLocked(nc)
		e.mu.Unlock()
		return nil
	}
	c := newConn(e, nc)
	e.conns[c] = struct{}{}
	// Checked and counted under mu: Shutdown marks the listeners closing
	// before it takes mu to list the connections, so either it lists this
	// one or we saw closing. A WaitGroup must not grow from zero while
	// someone waits on it.
	e.wg.Add(1)
	e.mu.Unlock()
	e.accepted.Add(1)
	return c
}

// Refuse tells a client the server has no room for it, in the service's own
// words, and closes the connection. It does not block: the goodbye is
// written, and the connection lingered, on a goroutine Shutdown waits for.
func (e *Engine) Refuse(nc net.Conn) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closing() {
		nc.Close()
		return
	}
	e.refuseLocked(nc)
}

func (e *Engine) refuseLocked(nc net.Conn) {
	e.refused.Add(1)
	e.log.Debug("refused: server busy", "peer", nc.RemoteAddr())
	// Lingering costs a goroutine and a descriptor for up to lingerTime.
	// A flood of clients beyond MaxConns must not pile those up without
	// bound, so past maxLingering refusals at once the busy reply is
	// written without waiting and the socket closed at once.
	if e.lingering.Add(1) > maxLingering {
		e.lingering.Add(-1)
		nc.SetWriteDeadline(time.Now())
		if len(e.busy) > 0 {
			nc.Write(e.busy) // into an empty socket buffer: it fits or is lost
		}
		nc.Close()
		return
	}
	e.wg.Go(func() {
		defer e.lingering.Add(-1)
		if len(e.busy) > 0 {
			nc.SetWriteDeadline(time.Now().Add(lingerTime))
			nc.Write(e.busy)
		}
		lingerClose(nc)
	})
}

// maxLingering bounds the refused connections lingering at once.
const maxLingering = 64

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
	e.mu.Lock()
	active := len(e.conns)
	e.mu.Unlock()
	return netlab.Stats{
		Accepted: e.accepted.Load(),
		Refused:  e.refused.Load(),
		Active:   int64(active),
		Panics:   e.panics.Load(),
		Dropped:  e.dropped.Load(),
	}
}

func (e *Engine) snapshot() []*Conn {
	e.mu.Lock()
	defer e.mu.Unlock()
	cs := make([]*Conn, 0, len(e.conns))
	for c := range e.conns {
		cs = append(cs, c)
	}
	return cs
}

// Shutdown stops accepting, then closes each connection as soon as it is
// quiescent (its output flushed and its session idle) until ctx ends, when it
// drops the rest. It returns once every connection goroutine has exited.
//
// Like net/http, it polls: a connection's quiescence is a property of its own
// goroutines, and asking them now and then is simpler and cheaper than having
// every send report to a central place.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.listeners.Close()
	pause := time.Millisecond
	timer := time.NewTimer(pause)
	defer timer.Stop()
	for {
		cs := e.snapshot()
		if len(cs) == 0 {
			break
		}
		for _, c := range cs {
			c.shutdown()
		}
		select {
		case <-ctx.Done():
			for _, c := range e.snapshot() {
				c.abort(fmt.Errorf("server shut down: %w", context.Cause(ctx)))
			}
			e.wg.Wait()
			return ctx.Err()
		case <-timer.C:
			pause = min(2*pause, 100*time.Millisecond)
			timer.Reset(pause)
		}
	}
	e.wg.Wait()
	return nil
}

// Close closes every listener and connection at once and waits for their
// goroutines.
func (e *Engine) Close() error {
	e.listeners.Close()
	for _, c := range e.snapshot() {
		c.abort(netlab.ErrServerClosed)
	}
	e.wg.Wait()
	return nil
}
