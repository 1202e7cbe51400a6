package concurrent

import (
	"bufio"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/labs/labkit"
)

func TestMain(m *testing.M) { labkit.Main(m) }

func TestOneClientIsEchoed(t *testing.T) {
	addr := labkit.Go(t, labkit.Listen(t), Serve)
	c, r := labkit.Dial(t, addr)
	for _, line := range []string{"hello", "second line"} {
		labkit.Send(t, c, line+"\n")
		labkit.ExpectLine(t, c, r, line, "the server does not echo a single client; echoLines should do that for you")
	}
}

// roundTrip sends line and reports how long the reply took, or fails the
// test with the head-of-line message if it took longer than labkit.Patience.
func roundTrip(t *testing.T, c net.Conn, r *bufio.Reader, who, line string) {
	t.Helper()
	start := time.Now()
	labkit.Send(t, c, line+"\n")
	got, err := labkit.ReadLine(c, r, labkit.Patience)
	if labkit.IsTimeout(err) {
		t.Fatalf("%s waited %.1fs for its first reply while another client was connected: "+
			"your server still serves one client at a time (head-of-line blocking) — "+
			"serve each connection on a goroutine of its own", who, time.Since(start).Seconds())
	}
	require.NoError(t, err)
	require.Equal(t, line, got)
}

func TestTwoClientsAtOnce(t *testing.T) {
	addr := labkit.Go(t, labkit.Listen(t), Serve)
	first, r1 := labkit.Dial(t, addr)
	roundTrip(t, first, r1, "the first client", "I stay connected")
	second, r2 := labkit.Dial(t, addr)
	roundTrip(t, second, r2, "the second client", "me too")
	roundTrip(t, first, r1, "the first client", "still here")
}

func TestTenClientsAtOnce(t *testing.T) {
	addr := labkit.Go(t, labkit.Listen(t), Serve)
	type client struct {
		c net.Conn
		r *bufio.Reader
	}
	var clients []client
	for range 10 {
		c, r := labkit.Dial(t, addr)
		clients = append(clients, client{c, r})
	}
	// The last to connect asks first: a server that serves them in turn
	// never reaches it while the first nine are connected.
	for i := len(clients) - 1; i >= 0; i-- {
		roundTrip(t, clients[i].c, clients[i].r, fmt.Sprintf("client %d of 10", i+1), fmt.Sprintf("line from %d", i+1))
	}
}

func TestServeWaitsForItsConnections(t *testing.T) {
	l := labkit.Listen(t)
	done := make(chan error, 1)
	go func() { done <- Serve(l) }()
	c, r := labkit.Dial(t, l.Addr().String())
	labkit.Send(t, c, "hi\n")
	labkit.ExpectLine(t, c, r, "hi", "the server does not echo")
	require.NoError(t, l.Close())
	labkit.Send(t, c, "after the listener closed\n")
	labkit.ExpectLine(t, c, r, "after the listener closed", "closing the listener must not cut off a client being served")
	select {
	case err := <-done:
		t.Fatalf("Serve returned (%v) while a client was still connected: wait for every connection's goroutine before returning", err)
	default:
	}
	c.Close()
	labkit.Returned(t, done, "Serve", "after its last client left")
}
