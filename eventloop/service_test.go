//go:build linux

package eventloop_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/internal/conformance"
)

// model is this package's row of the comparison table, for the conformance
// harness.
var model = conformance.Model{
	Name: "eventloop",
	New: func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		srv, err := eventloop.New(svc, cfg, eventloop.Options{})
		if err != nil {
			return nil, err
		}
		return srv, nil
	},
}

// probe is a test service made of functions: each session method calls the
// matching field if set. Data echoes by default. It lets a test build the
// session it needs (one that panics, one that sends files, one that is
// never idle) in a few lines.
type probe struct {
	open   func(c netlab.Conn)
	data   func(c netlab.Conn, p []byte)
	eof    func(c netlab.Conn)
	closed func(c netlab.Conn, err error)
	idle   func(c netlab.Conn) bool // nil: the session is no Idler
	busy   []byte
}

func (s *probe) Open(c netlab.Conn) netlab.Session {
	if s.open != nil {
		s.open(c)
	}
	ps := &probeSession{s: s, c: c}
	if s.idle != nil {
		return idlerSession{ps}
	}
	return ps
}

func (s *probe) BusyReply() []byte { return s.busy }

type probeSession struct {
	s *probe
	c netlab.Conn
}

func (ps *probeSession) Data(p []byte) {
	if ps.s.data != nil {
		ps.s.data(ps.c, p)
		return
	}
	ps.c.Send(p)
}

func (ps *probeSession) EOF() {
	if ps.s.eof != nil {
		ps.s.eof(ps.c)
	}
}

func (ps *probeSession) Closed(err error) {
	if ps.s.closed != nil {
		ps.s.closed(ps.c, err)
	}
}

type idlerSession struct{ *probeSession }

func (is idlerSession) Idle() bool { return is.s.idle(is.c) }

// start serves svc on a fresh loopback port with the given hooks set (nil
// for none) and shuts the server down when the test ends, checking that
// Serve returned ErrServerClosed.
func start(t testing.TB, svc netlab.Service, cfg netlab.Config, opts eventloop.Options, setup func(*eventloop.Server)) (*eventloop.Server, string) {
	t.Helper()
	srv, err := eventloop.New(svc, cfg, opts)
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	if setup != nil {
		setup(srv)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), conformance.Timeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, netlab.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return srv, l.Addr().String()
}

// recv waits for a value on ch, failing the test after conformance.Timeout.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), conformance.Timeout)
	defer cancel()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// signal returns a function that records an event on a buffered channel
// without ever blocking the loop that calls it, and the channel.
func signal() (func(), <-chan struct{}) {
	ch := make(chan struct{}, 1)
	return func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}, ch
}
