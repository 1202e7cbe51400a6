package udp_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/udp"
)

// timeout bounds every wait: a datagram that should arrive, a server that
// should stop. A correct server never comes near it, even under -race.
const timeout = 10 * time.Second

// start serves svc over UDP on a fresh loopback port until the test ends,
// and fails the test unless Serve then returns ErrServerClosed.
func start(t *testing.T, svc netlab.Service, cfg netlab.Config, o udp.Options) (string, *udp.Server) {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	srv := udp.New(svc, cfg, o)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(c) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		assert.NoError(t, srv.Shutdown(ctx))
		assert.ErrorIs(t, <-served, netlab.ErrServerClosed)
	})
	return c.LocalAddr().String(), srv
}

// dial makes a UDP client of addr, closed when the test ends.
func dial(t *testing.T, addr string) *udp.Client {
	t.Helper()
	c, err := udp.Dial(t.Context(), addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// send sends s as one datagram.
func send(t *testing.T, c *udp.Client, s string) {
	t.Helper()
	require.NoError(t, c.Send([]byte(s)))
}

// expect reads datagrams until they add up to as many bytes as want and
// checks they are want. With lines set, it also checks that every datagram
// is exactly one line ending in LF.
func expect(t *testing.T, c *udp.Client, lines bool, want string) {
	t.Helper()
	var got strings.Builder
	for got.Len() < len(want) {
		d, err := c.Receive(timeout)
		require.NoError(t, err, "waiting for %q, got %q", want, got.String())
		if lines {
			require.Truef(t, strings.HasSuffix(string(d), "\n") && strings.Count(string(d), "\n") == 1,
				"datagram %q is not one line", d)
		}
		got.Write(d)
	}
	assert.Equal(t, want, got.String())
}

// recorder is a line-free service that records what its sessions are told
// and answers by a rule, to show what the transport does to any service.
type recorder struct {
	answer func(c netlab.Conn, p []byte) // nil: say nothing

	mu     sync.Mutex
	closed []error          // guarded by mu
	ended  chan netlab.Conn // a Conn whose Closed ran
}

func newRecorder(answer func(c netlab.Conn, p []byte)) *recorder {
	return &recorder{answer: answer, ended: make(chan netlab.Conn, 16)}
}

func (r *recorder) Open(c netlab.Conn) netlab.Session { return &recording{r: r, c: c} }

type recording struct {
	r *recorder
	c netlab.Conn
}

func (s *recording) Data(p []byte) {
	if s.r.answer != nil {
		s.r.answer(s.c, p)
	}
}

func (s *recording) EOF() {}

func (s *recording) Closed(err error) {
	s.r.mu.Lock()
	s.r.closed = append(s.r.closed, err)
	s.r.mu.Unlock()
	s.r.ended <- s.c
}

// waitEnded waits for the Closed of n sessions.
func (r *recorder) waitEnded(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-r.ended:
		case <-time.After(timeout):
			t.Fatal("a session never heard Closed")
		}
	}
}

func (r *recorder) closedWith() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.closed...)
}

// isTimeout reports whether err is a receive that got nothing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
