package blocking_test

import (
	"net"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/netlabtest"
)

// A panic in any session method closes that session's connection, is
// counted, and leaves the server serving everyone else. Closed still
// follows a panic in Data, EOF or Idle: the session may hold something to
// release. (After a panic in Open there is no session to tell.)
func TestPanicsAreRecoveredPerConnection(t *testing.T) {
	cases := []struct {
		in         string
		trigger    func(t *testing.T, victim net.Conn)
		wantClosed bool
	}{
		{"Open", nil, false},
		{"Data", func(t *testing.T, victim net.Conn) { victim.Write([]byte("boom\n")) }, true},
		{"EOF", func(t *testing.T, victim net.Conn) { victim.(*net.TCPConn).CloseWrite() }, true},
		{"Idle", nil, true}, // the engine asks right after Open
		{"Closed", func(t *testing.T, victim net.Conn) {
			netlabtest.RoundTrip(t, victim, "hello\n")
			victim.Close()
		}, true},
	}
	for _, tc := range cases {
		t.Run("in "+tc.in, func(t *testing.T) {
			svc := &panicky{in: tc.in, closed: make(chan error, 1)}
			srv := start(t, svc, netlab.Config{})
			victim := netlabtest.Dial(t, srv.addr)
			if tc.trigger != nil {
				tc.trigger(t, victim)
			}
			var closedErr error
			if tc.in == "Closed" {
				closedErr = netlabtest.Await(t, svc.closed, "Closed")
			} else {
				netlabtest.WaitClosed(t, victim)
			}

			other := netlabtest.Dial(t, srv.addr)
			netlabtest.RoundTrip(t, other, "still served\n")
			other.Close()

			// Shutdown waits for every connection goroutine, so the counters
			// and the calls below are final.
			require.NoError(t, srv.Shutdown(t.Context()))
			st := srv.Stats()
			assert.EqualValues(t, 1, st.Panics, "Stats.Panics")
			assert.EqualValues(t, 2, st.Accepted, "Stats.Accepted")
			assert.Zero(t, st.Active, "Stats.Active")
			switch {
			case tc.in == "Closed":
				assert.NoError(t, closedErr, "Closed: the client closed in an orderly way")
			case tc.wantClosed:
				assert.ErrorContains(t, netlabtest.Await(t, svc.closed, "Closed"), "panicked", "Closed")
			default:
				assert.Empty(t, svc.closed, "Closed was called for a session Open never returned")
			}
		})
	}
}

// panicky is an echo service whose first session panics in the method
// named by in. The sessions after it behave.
type panicky struct {
	in     string     // Open, Data, EOF, Idle or Closed
	closed chan error // the first session's Closed calls
	opened atomic.Int64
}

func (s *panicky) Open(c netlab.Conn) netlab.Session {
	first := s.opened.Add(1) == 1
	if first && s.in == "Open" {
		panic("in Open")
	}
	return &panickySession{s: s, c: c, victim: first}
}

type panickySession struct {
	s      *panicky
	c      netlab.Conn
	victim bool
}

func (ps *panickySession) boom(method string) {
	if ps.victim && ps.s.in == method {
		panic("in " + method)
	}
}

func (ps *panickySession) Data(p []byte) { ps.boom("Data"); ps.c.Send(p) }

func (ps *panickySession) EOF() { ps.boom("EOF") }

func (ps *panickySession) Idle() bool { ps.boom("Idle"); return true }

func (ps *panickySession) Closed(err error) {
	if ps.victim {
		ps.s.closed <- err
	}
	ps.boom("Closed")
}
