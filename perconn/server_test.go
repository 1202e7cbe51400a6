package perconn_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/internal/conformance"
	"github.com/netlab-go/netlab/perconn"
)

// model is perconn as a row of the comparison table, for the harness.
var model = conformance.Model{
	Name: "perconn",
	New: func(svc netlab.Service, cfg netlab.Config) (netlab.Server, error) {
		return perconn.New(svc, cfg), nil
	},
}

// touchy is echo, except that a session panics when it is sent "panic".
type touchy struct{}

func (touchy) Open(c netlab.Conn) netlab.Session { return touchySession{c} }

type touchySession struct{ c netlab.Conn }

func (s touchySession) Data(p []byte) {
	if bytes.HasPrefix(p, []byte("panic")) {
		panic("asked to")
	}
	s.c.Send(p)
}
func (touchySession) EOF()         {}
func (touchySession) Closed(error) {}

// A goroutine per connection isolates connections from each other: one
// session's panic is recovered on its own goroutine, closes its own
// connection, and every other client carries on as if nothing happened.
func TestAPanickingSessionClosesOnlyItsOwnConnection(t *testing.T) {
	addr, srv := conformance.Start(t, model, touchy{}, netlab.Config{})
	var others []net.Conn
	for i := range 3 {
		c := conformance.Dial(t, addr)
		roundTrip(t, c, fmt.Sprintf("client %d\n", i))
		others = append(others, c)
	}

	victim := conformance.Dial(t, addr)
	roundTrip(t, victim, "fine so far\n")
	if _, err := victim.Write([]byte("panic\n")); err != nil {
		t.Fatal(err)
	}
	conformance.WaitClosed(t, victim)

	for i, c := range others {
		roundTrip(t, c, fmt.Sprintf("client %d, still served\n", i))
	}
	newcomer := conformance.Dial(t, addr)
	roundTrip(t, newcomer, "and a new client too\n")

	if st := srv.(*perconn.Server).Stats(); st.Panics != 1 || st.Accepted != 5 {
		t.Fatalf("Stats() = %+v, want 1 panic and 5 accepted", st)
	}
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
	addr, srv := conformance.Start(t, model, echo.New(), netlab.Config{})
	ctx := t.Context()

	// Every client connects before any talks, so all are served at once.
	cs := make([]*echo.Client, clients)
	for i := range cs {
		c, err := echo.Dial(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
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
		t.Error(err)
	}
	if st := srv.(*perconn.Server).Stats(); st.Accepted != clients || st.Active != clients {
		t.Errorf("Stats() = %+v, want %d accepted and active", st, clients)
	}
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
			if err != nil {
				t.Fatal(err)
			}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(l) }()
			c := conformance.Dial(t, l.Addr().String())
			roundTrip(t, c, "hello\n") // Serve is running: it answered

			if err := tc.stop(srv); err != nil {
				t.Fatalf("stop: %v", err)
			}
			if err := <-served; !errors.Is(err, netlab.ErrServerClosed) {
				t.Fatalf("Serve returned %v, want ErrServerClosed", err)
			}
			conformance.WaitClosed(t, c)

			// A stopped server stays stopped: Serve refuses a new listener
			// and closes it.
			l2, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Serve(l2); !errors.Is(err, netlab.ErrServerClosed) {
				t.Fatalf("Serve after stopping returned %v, want ErrServerClosed", err)
			}
			if _, err := l2.Accept(); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("Accept on the refused listener: %v, want net.ErrClosed", err)
			}
		})
	}
}

func roundTrip(t testing.TB, c net.Conn, msg string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatalf("send %q: %v", msg, err)
	}
	got := make([]byte, len(msg))
	if n, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("got %q (%v), want %q", got[:n], err, msg)
	}
}
