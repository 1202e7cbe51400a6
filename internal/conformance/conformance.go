// Package conformance is the black-box harness that holds every model to the
// same wire behaviour: it starts a model on loopback, drives it with plain TCP
// clients (never the services' own code, so that a bug shared by client and
// server cannot hide), and compares what comes back byte for byte with golden
// transcripts in testdata/.
//
// compare_test.go at the module root runs it over every model × service; a
// model's own tests may run it too.
package conformance

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/netlab-go/netlab"
)

// Model is one row of the comparison table: a name and a constructor.
type Model struct {
	// Name is the model's name on the command line: iterative, perconn, …
	Name string

	// New returns a server running svc under this model.
	New func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error)

	// Serial is true for a model that serves one client at a time; tests
	// that need two clients talking at once skip it and show its
	// head-of-line blocking instead.
	Serial bool

	// Limit is the most sessions the model runs at once (a pool's
	// workers), or 0 for no limit but the configuration's MaxConns. Tests
	// and benchmarks that hold more clients open than this skip the model
	// or stay under it.
	Limit int
}

// Serves reports whether m serves n clients at once.
func (m Model) Serves(n int) bool {
	switch {
	case m.Serial:
		return n <= 1
	case m.Limit > 0:
		return n <= m.Limit
	}
	return true
}

// Timeout bounds every wait in the harness: a read that should succeed, a
// server that should shut down. It is generous because -race on a busy
// 2-core machine is slow; a correct server never comes near it.
const Timeout = 20 * time.Second

// Start serves svc under m on a fresh port of 127.0.0.1 and returns the
// address and the server. When the test ends the server is shut down, and
// the test fails unless Serve returned [netlab.ErrServerClosed].
func Start(t testing.TB, m Model, svc netlab.Service, cfg netlab.Config) (string, netlab.Server) {
	t.Helper()
	srv, err := m.New(svc, cfg)
	if errors.Is(err, netlab.ErrUnsupported) {
		t.Skipf("%s: %v", m.Name, err) // the epoll model, off Linux
	}
	if err != nil {
		t.Fatalf("%s: new server: %v", m.Name, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("%s: shutdown: %v", m.Name, err)
		}
		if err := <-served; !errors.Is(err, netlab.ErrServerClosed) {
			t.Errorf("%s: Serve returned %v, want ErrServerClosed", m.Name, err)
		}
	})
	return l.Addr().String(), srv
}

// Dial connects to addr and closes the connection when the test ends. Every
// read and write on it fails after [Timeout], so a hung server fails the
// test instead of hanging it.
func Dial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, Timeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(Timeout))
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}
