package pool_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/internal/conformance"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/pool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEcho(t *testing.T) {
	for _, overflow := range []pool.Overflow{pool.Wait, pool.Reject} {
		t.Run(overflow.String(), func(t *testing.T) {
			m := models.MustLookup("pool")
			conformance.Echo(t, conformance.Of(m, models.Flags{Overflow: overflow}))
		})
	}
}

func TestWait(t *testing.T) {
	t.Run("with two workers a third client waits, and is served as soon as one leaves", func(t *testing.T) {
		p := start(t, echo.New(), pool.Options{Workers: 2})
		a, b := p.occupy(t, echoes), p.occupy(t, echoes)
		// Both workers are serving a and b, which stay open, and conc
		// never runs more than two: c cannot have a worker, so its
		// session is not open and its bytes wait in its socket.
		c := p.knock(t, "from c\n")
		st := p.srv.Stats()
		require.EqualValues(t, 2, st.Accepted, "accepted")
		require.EqualValues(t, 2, st.Active, "active")
		netlabtest.RoundTrip(t, b, "b is still served\n")

		a.Close()
		netlabtest.Expect(t, c, "from c\n")
		st = p.srv.Stats()
		assert.EqualValues(t, 3, st.Accepted, "accepted")
		assert.EqualValues(t, 0, st.Refused, "refused")
	})

	t.Run("however many clients knock, no more sessions than workers are open", func(t *testing.T) {
		const workers, clients = 3, 24
		g := &gauge{Service: echo.New()}
		p := start(t, g, pool.Options{Workers: workers})
		var wg sync.WaitGroup
		for i := range clients {
			c := netlabtest.Dial(t, p.addr)
			wg.Go(func() {
				defer c.Close() // frees the worker for a client still waiting
				msg := []byte{byte('a' + i%26), '\n'}
				if _, err := c.Write(msg); err != nil {
					t.Errorf("client %d writes: %v", i, err)
					return
				}
				got := make([]byte, len(msg))
				if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
					t.Errorf("client %d got %q (%v), want %q", i, got, err, msg)
				}
			})
		}
		wg.Wait()
		if most := g.most.Load(); most > workers {
			t.Errorf("%d sessions were open at once with %d workers", most, workers)
		}
		st := p.srv.Stats()
		assert.EqualValues(t, 0, st.Refused, "refused")
	})
}

func TestReject(t *testing.T) {
	t.Run("with two workers a third echo client is closed at once, and served once a worker is free", func(t *testing.T) {
		p := start(t, echo.New(), pool.Options{Workers: 2, Overflow: pool.Reject})
		a, b := p.occupy(t, echoes), p.occupy(t, echoes)

		// Echo has no words for "busy" (RFC 862 has none): the client
		// is simply closed.
		c := netlabtest.Dial(t, p.addr)
		netlabtest.WaitClosed(t, c)
		st := p.srv.Stats()
		require.EqualValues(t, 1, st.Refused, "refused")
		require.EqualValues(t, 2, st.Accepted, "accepted")
		netlabtest.RoundTrip(t, b, "b is still served\n")

		a.Close()
		p.frees.waitFor(t, 1)
		d := netlabtest.Dial(t, p.addr)
		netlabtest.RoundTrip(t, d, "from d\n")
	})
}

// TestLongLivedSessions shows what a pool of N workers means for a service
// whose connections live long, like chat: a worker is held for a connection's
// whole life, idle or not, so N members fill the server and the next one
// starves.
func TestLongLivedSessions(t *testing.T) {
	t.Run("with two idle members a third gets no welcome until one leaves", func(t *testing.T) {
		p := start(t, greeter, pool.Options{Workers: 2})
		a := p.occupy(t, welcomed)
		p.occupy(t, welcomed) // b
		// a and b say nothing: the workers serving them are idle,
		// blocked in Read, and no use to anyone else.
		c := p.knock(t, "")
		st := p.srv.Stats()
		require.EqualValues(t, 2, st.Active, "active")

		a.Close()
		netlabtest.Expect(t, c, "* welcome\n")
	})

	t.Run("under reject a third is told busy in the service's own words", func(t *testing.T) {
		p := start(t, greeter, pool.Options{Workers: 2, Overflow: pool.Reject})
		p.occupy(t, welcomed)
		p.occupy(t, welcomed)
		c := netlabtest.Dial(t, p.addr)
		netlabtest.Expect(t, c, "! server busy\n")
		netlabtest.WaitClosed(t, c)
		st := p.srv.Stats()
		assert.EqualValues(t, 1, st.Refused, "refused")
	})
}

func TestPanics(t *testing.T) {
	// In each case the first session panics in one of its methods. With a
	// single worker, the next client being served shows that the worker
	// survived; the test's cleanup, which shuts the server down and so
	// waits on the conc pool, shows that no panic was left for conc to
	// raise there.
	for _, where := range []string{"Open", "Data", "EOF", "Closed", "Idle"} {
		t.Run("a session that panics in "+where+" is closed and counted, and the worker serves the next", func(t *testing.T) {
			p := start(t, &panicker{where: where}, pool.Options{Workers: 1})

			first := netlabtest.Dial(t, p.addr)
			switch where {
			case "Data":
				first.Write([]byte("x")) // panics before it echoes
			case "Idle":
				netlabtest.RoundTrip(t, first, "x") // echoes, then panics when asked if idle
			case "EOF", "Closed":
				netlabtest.RoundTrip(t, first, "x")
				first.CloseWrite()
			}
			netlabtest.WaitClosed(t, first)
			// Closed runs after the socket is closed, so the client
			// seeing the close is not enough: wait for the worker to
			// be done with the session.
			p.frees.waitFor(t, 1)
			st := p.srv.Stats()
			require.EqualValues(t, 1, st.Panics, "panics")

			next := netlabtest.Dial(t, p.addr)
			netlabtest.RoundTrip(t, next, "still serving\n")
		})
	}
}

func TestShutdown(t *testing.T) {
	t.Run("while the accept loop waits in Go, Shutdown returns and closes the held client unserved", func(t *testing.T) {
		p := start(t, echo.New(), pool.Options{Workers: 1})
		a := p.occupy(t, echoes)
		c := p.knock(t, "from c\n") // the loop holds c, and its only worker is a's

		ctx, cancel := context.WithTimeout(t.Context(), netlabtest.Timeout)
		defer cancel()
		done := netlabtest.Shutdown(ctx, p.srv)

		// a is idle, so Shutdown closes it at once; it lingers until
		// a hangs up, so that no reset destroys a reply in flight.
		netlabtest.WaitClosed(t, a)
		a.Close()
		require.NoError(t, <-done, "Shutdown: nothing had to be cut short")
		if got := readToEnd(c); len(got) != 0 {
			t.Errorf("c, never served, received %q", got)
		}
		st := p.srv.Stats()
		assert.EqualValues(t, 1, st.Accepted, "accepted")
	})

	t.Run("while the accept loop waits in Go, Close returns and closes the held client unserved", func(t *testing.T) {
		p := start(t, echo.New(), pool.Options{Workers: 1})
		a := p.occupy(t, echoes)
		c := p.knock(t, "from c\n")

		require.NoError(t, p.srv.Close())
		if got := readToEnd(a); len(got) != 0 {
			t.Errorf("a received %q after Close", got)
		}
		if got := readToEnd(c); len(got) != 0 {
			t.Errorf("c, never served, received %q", got)
		}
	})

	t.Run("Serve after Shutdown returns ErrServerClosed and closes the listener", func(t *testing.T) {
		srv := pool.New(echo.New(), netlab.Config{}, pool.Options{})
		require.NoError(t, srv.Shutdown(t.Context()))
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		assert.ErrorIs(t, srv.Serve(l), netlab.ErrServerClosed)
		_, err = l.Accept()
		assert.ErrorIs(t, err, net.ErrClosed)
	})
}

// probe is a pool server under test, with the events its hooks report.
type probe struct {
	addr     string
	srv      *pool.Server
	handoffs events // the accept loop is about to call Go
	frees    events // a worker finished a session
}

// start serves svc under the pool with opts on a fresh loopback port until
// the test ends.
func start(t *testing.T, svc netlab.Service, opts pool.Options) *probe {
	t.Helper()
	p := &probe{}
	addr, srv := netlabtest.Start(t, func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		s := pool.New(svc, cfg, opts)
		pool.SetHooks(s, p.handoffs.add, p.frees.add)
		return s, nil
	}, svc, netlab.Config{})
	p.addr, p.srv = addr, srv.(*pool.Server)
	return p
}

// events counts something happening and lets a test wait until it has
// happened n times. add never blocks, so a hook cannot stall the server.
type events struct {
	mu      sync.Mutex
	n       int
	changed chan struct{} // closed and replaced at every add; guarded by mu
}

func (e *events) add() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n++
	if e.changed != nil {
		close(e.changed)
		e.changed = nil
	}
}

func (e *events) waitFor(t *testing.T, n int) {
	t.Helper()
	timeout := time.NewTimer(netlabtest.Timeout)
	defer timeout.Stop()
	for {
		e.mu.Lock()
		if e.n >= n {
			e.mu.Unlock()
			return
		}
		if e.changed == nil {
			e.changed = make(chan struct{})
		}
		changed, seen := e.changed, e.n
		e.mu.Unlock()
		select {
		case <-changed:
		case <-timeout.C:
			require.FailNow(t, "an event did not happen", "waited %v for event %d, saw %d", netlabtest.Timeout, n, seen)
		}
	}
}

// occupy connects a client and returns it once a worker serves it, which
// served proves: [echoes] or [welcomed].
func (p *probe) occupy(t *testing.T, served func(t *testing.T, c *net.TCPConn)) *net.TCPConn {
	t.Helper()
	c := netlabtest.Dial(t, p.addr)
	served(t, c)
	return c
}

func echoes(t *testing.T, c *net.TCPConn)   { netlabtest.RoundTrip(t, c, "served\n") }
func welcomed(t *testing.T, c *net.TCPConn) { netlabtest.Expect(t, c, "* welcome\n") }

// knock connects a client that sends msg (if any) while every worker is
// busy, and returns it once the accept loop has accepted it and holds it,
// waiting to hand it to the pool.
func (p *probe) knock(t *testing.T, msg string) *net.TCPConn {
	t.Helper()
	p.handoffs.mu.Lock()
	held := p.handoffs.n + 1
	p.handoffs.mu.Unlock()
	c := netlabtest.Dial(t, p.addr)
	if msg != "" {
		_, err := c.Write([]byte(msg))
		require.NoError(t, err)
	}
	p.handoffs.waitFor(t, held)
	return c
}

// readToEnd returns what c receives before the server closes it. A reset is
// a close too: closing a socket with unread input sends one.
func readToEnd(c net.Conn) []byte {
	got, _ := io.ReadAll(c)
	return got
}

// gauge wraps a service and records the most sessions open at once.
type gauge struct {
	netlab.Service
	open, most atomic.Int64
}

func (g *gauge) Open(c netlab.Conn) netlab.Session {
	n := g.open.Add(1)
	for m := g.most.Load(); n > m && !g.most.CompareAndSwap(m, n); m = g.most.Load() {
	}
	return gaugedSession{g.Service.Open(c), g}
}

type gaugedSession struct {
	netlab.Session
	g *gauge
}

func (s gaugedSession) Closed(err error) {
	s.Session.Closed(err)
	s.g.open.Add(-1)
}

// greeter is chat reduced to what a pool cares about: it welcomes each
// client, then keeps the connection open, idle, until the client leaves, and
// it has its own words for "busy".
var greeter = &netlabtest.Probe{
	OnOpen: func(c netlab.Conn) { c.Send([]byte("* welcome\n")) },
	OnData: func(netlab.Conn, []byte) {},
	Busy:   []byte("! server busy\n"),
}

// panicker is echo whose first session panics in the method named by where.
type panicker struct {
	where  string
	opened atomic.Int64
}

func (p *panicker) Open(c netlab.Conn) netlab.Session {
	first := p.opened.Add(1) == 1
	if first && p.where == "Open" {
		panic("test: panic in Open")
	}
	return &panickySession{c: c, where: p.where, armed: first}
}

// panickySession echoes; if armed, it panics in where. It implements
// [netlab.Idler] so that the model asks it, after every call, whether it is
// between requests.
type panickySession struct {
	c     netlab.Conn
	where string
	armed bool
	fed   bool // Data was called: Idle panics only after a round trip
}

func (s *panickySession) check(where string) {
	if s.armed && s.where == where {
		panic("test: panic in " + where)
	}
}

func (s *panickySession) Data(p []byte) {
	s.check("Data")
	s.c.Send(p)
	s.fed = true
}

func (s *panickySession) EOF()         { s.check("EOF") }
func (s *panickySession) Closed(error) { s.check("Closed") }

func (s *panickySession) Idle() bool {
	if s.fed {
		s.check("Idle")
	}
	return true
}
