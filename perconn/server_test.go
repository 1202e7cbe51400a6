package perconn_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/perconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newServer is perconn as the table of models builds it.
var newServer = models.MustLookup("perconn").With(models.Flags{})

// touchy is echo, except that a session panics when it is sent "panic".
var touchy = &netlabtest.Probe{OnData: func(c netlab.Conn, p []byte) {
	if bytes.HasPrefix(p, []byte("panic")) {
		panic("asked to")
	}
	c.Send(p)
}}

// A goroutine per connection isolates connections from each other: one
// session's panic is recovered on its own goroutine, closes its own
// connection, and every other client carries on as if nothing happened.
func TestAPanickingSessionClosesOnlyItsOwnConnection(t *testing.T) {
	addr, srv := netlabtest.Start(t, newServer, touchy, netlab.Config{})
	var others []net.Conn
	for i := range 3 {
		c := netlabtest.Dial(t, addr)
		netlabtest.RoundTrip(t, c, fmt.Sprintf("client %d\n", i))
		others = append(others, c)
	}

	victim := netlabtest.Dial(t, addr)
	netlabtest.RoundTrip(t, victim, "fine so far\n")
	_, err := victim.Write([]byte("panic\n"))
	require.NoError(t, err)
	netlabtest.WaitClosed(t, victim)

	for i, c := range others {
		netlabtest.RoundTrip(t, c, fmt.Sprintf("client %d, still served\n", i))
	}
	newcomer := netlabtest.Dial(t, addr)
	netlabtest.RoundTrip(t, newcomer, "and a new client too\n")

	st := srv.(*perconn.Server).Stats()
	assert.EqualValues(t, 1, st.Panics, "panics")
	assert.EqualValues(t, 5, st.Accepted, "accepted")
}

// Two hundred clients talk at once, each on its own goroutine and its own
// connection, each several times; every one gets back exactly its own bytes.
// Under -race this is also the test that the engine's shared state (the
// connection table, the counters) is properly guarded.
func TestManyClientsAtOnceEachGetTheirOwnBytes(t *testing.T) {
	const (
		clients = 200
		rounds  = 5
	)
	addr, srv := netlabtest.Start(t, newServer, echo.New(), netlab.Config{})
	ctx := t.Context()

	// Every client connects before any talks, so all are served at once.
	cs := make([]*echo.Client, clients)
	for i := range cs {
		c, err := echo.Dial(ctx, addr)
		require.NoError(t, err)
		defer c.Close()
		cs[i] = c
	}

	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i, c := range cs {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 0x706572636f6e6e))
			for round := range rounds {
				msg := make([]byte, 1+r.IntN(8<<10))
				for j := range msg {
					msg[j] = byte(r.Uint32())
				}
				got, err := c.Echo(msg)
				if err != nil {
					errs <- fmt.Errorf("client %d, round %d: %w", i, round, err)
					return
				}
				if !bytes.Equal(got, msg) {
					errs <- fmt.Errorf("client %d, round %d: got someone else's bytes", i, round)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	st := srv.(*perconn.Server).Stats()
	assert.EqualValues(t, clients, st.Accepted, "accepted")
	assert.EqualValues(t, clients, st.Active, "active")
}

func TestServeReturnsErrServerClosed(t *testing.T) {
	cases := []struct {
		name string
		stop func(*perconn.Server) error
	}{
		{"after Shutdown", func(s *perconn.Server) error { return s.Shutdown(context.Background()) }},
		{"after Close", func(s *perconn.Server) error { return s.Close() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := perconn.New(echo.New(), netlab.Config{})
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			served := make(chan error, 1)
			go func() { served <- srv.Serve(l) }()
			c := netlabtest.Dial(t, l.Addr().String())
			netlabtest.RoundTrip(t, c, "hello\n") // Serve is running: it answered

			require.NoError(t, tc.stop(srv), "stop")
			require.ErrorIs(t, <-served, netlab.ErrServerClosed)
			netlabtest.WaitClosed(t, c)

			// A stopped server stays stopped: Serve refuses a new listener
			// and closes it.
			l2, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			require.ErrorIs(t, srv.Serve(l2), netlab.ErrServerClosed)
			_, err = l2.Accept()
			require.ErrorIs(t, err, net.ErrClosed)
		})
	}
}
