package blocking

import (
	"io"
	"net"
	"time"

	"github.com/netlab-go/netlab/internal/accept"
)

// Accept waits for the next connection on l, with the accept policy every
// model shares (see package [accept]): a connection lost in the backlog is
// skipped, running out of file descriptors pauses accepting until
// connections close, anything else is returned. Once the engine is closing
// it returns [netlab.ErrServerClosed].
func (e *Engine) Accept(l net.Listener) (net.Conn, error) {
	return accept.Next(&e.listeners, e.log, "netlab", l.Accept)
}

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
	e.counts.Accepted.Add(1)
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
	e.counts.Refused.Add(1)
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

// lingerClose half-closes nc, discards what the client still sends for a
// while, and closes it.
func lingerClose(nc net.Conn) {
	if cw, ok := nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	nc.SetReadDeadline(time.Now().Add(lingerTime))
	io.Copy(io.Discard, nc)
	nc.Close()
}
