package workload

import (
	"context"
	"fmt"
	"time"

	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/filesrv"
)

// Held is a set of idle clients, each connected and proven served by one
// exchange, for measuring what an idle connection costs a server.
type Held struct {
	Connected   int           // clients the server is serving
	ConnectTime time.Duration // how long connecting them took
	PerClient   []ClientStats // Connected and Err are set; nothing else is

	closers []func() error
}

// Hold connects spec.Clients clients of spec.Service to spec.Addr within
// spec.ConnectTimeout and has each make one exchange (an echo of one byte,
// a chat welcome, a files LIST), so that when Hold returns the server holds
// a session for every connected client, not merely a socket in its listen
// backlog. Requests, Duration and Rate are ignored. Clients that do not get
// their exchange done in time are not counted; none at all is an error.
// Close the Held to disconnect them.
func Hold(ctx context.Context, spec Spec) (*Held, error) {
	spec.Requests = max(spec.Requests, 1) // Hold has no window to bound
	if err := spec.check(); err != nil {
		return nil, err
	}
	h := &Held{PerClient: make([]ClientStats, spec.Clients), closers: make([]func() error, spec.Clients)}
	start := time.Now()
	connectAll(ctx, spec, func(cctx context.Context, i int) error {
		closer, err := holdOne(cctx, spec, i)
		if err != nil {
			return err
		}
		h.closers[i] = closer
		return nil
	}, h.PerClient)
	h.ConnectTime = time.Since(start)
	var first error
	h.Connected, first = connected(h.PerClient)
	if h.Connected == 0 {
		return nil, fmt.Errorf("workload: hold: none of %d clients was served by %s within %v: %w", spec.Clients, spec.Addr, spec.connectTimeout(), first)
	}
	return h, nil
}

// holdOne connects client i and makes its one exchange, bounded by ctx.
func holdOne(ctx context.Context, spec Spec, i int) (func() error, error) {
	switch spec.Service {
	case ServiceEcho:
		c, err := echo.Dial(ctx, spec.Addr)
		if err != nil {
			return nil, err
		}
		stop := context.AfterFunc(ctx, func() { c.Close() })
		_, err = c.Echo([]byte{'x'})
		if !stop() || err != nil {
			c.Close()
			return nil, fmt.Errorf("no echo within the connect phase: %w", err)
		}
		return c.Close, nil
	case ServiceChat:
		m, err := joinChat(ctx, spec.Addr, i)
		if err != nil {
			return nil, err
		}
		return m.conn.Close, nil
	default:
		c, err := filesrv.Dial(ctx, spec.Addr)
		if err != nil {
			return nil, err
		}
		if _, err := c.List(ctx); err != nil {
			c.Close()
			return nil, err
		}
		return c.Close, nil
	}
}

// Close disconnects every held client.
func (h *Held) Close() error {
	for i, c := range h.closers {
		if c != nil {
			c()
			h.closers[i] = nil
		}
	}
	return nil
}
