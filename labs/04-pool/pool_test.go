package pool

import (
	"bufio"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/labs/labkit"
)

func TestMain(m *testing.M) { labkit.Main(m) }

// start serves with two workers and returns the address.
func start(t *testing.T) string {
	return labkit.Go(t, labkit.Listen(t), func(l net.Listener) error { return Serve(l, 2) })
}

// first connects and returns the first line the server says, which is
// "welcome" or "busy".
func first(t *testing.T, addr string) (net.Conn, *bufio.Reader, string) {
	t.Helper()
	c, r := labkit.Dial(t, addr)
	line, err := labkit.ReadLine(c, r, labkit.Patience)
	if labkit.IsTimeout(err) {
		t.Fatalf("a client waited %v for its first line, %q or %q: "+
			"a client beyond the pool must be told busy at once, not left waiting",
			labkit.Patience, strings.TrimSpace(Greeting), strings.TrimSpace(Busy))
	}
	require.NoError(t, err)
	return c, r, line
}

func TestClientsWithinThePoolAreServed(t *testing.T) {
	addr := start(t)
	for range 2 {
		c, r, line := first(t, addr)
		require.Equal(t, "welcome", line)
		labkit.Send(t, c, "ping\n")
		labkit.ExpectLine(t, c, r, "ping", "a client that was welcomed is echoed")
	}
}

func TestAClientBeyondThePoolIsToldBusy(t *testing.T) {
	addr := start(t)
	for range 2 {
		_, _, line := first(t, addr)
		require.Equal(t, "welcome", line)
	}
	c, r, line := first(t, addr)
	require.Equal(t, "busy", line, "two workers were busy, so the third client must be refused: "+
		"your server has no bound — count the clients being served and refuse the one beyond workers")
	_, err := labkit.ReadLine(c, r, labkit.Patience)
	require.Error(t, err, "after busy the server closes the connection")
}

func TestAtMostWorkersAtOnce(t *testing.T) {
	addr := start(t)
	welcomed := 0
	for range 5 {
		if _, _, line := first(t, addr); line == "welcome" {
			welcomed++
		}
	}
	require.Equal(t, 2, welcomed, "five clients connected to a pool of two workers and %d were served at once", welcomed)
}

func TestAWorkerIsFreedWhenItsClientLeaves(t *testing.T) {
	addr := start(t)
	a, _, line := first(t, addr)
	require.Equal(t, "welcome", line)
	_, _, line = first(t, addr)
	require.Equal(t, "welcome", line)
	a.Close()
	// The worker is free once the server has seen a leave; until then a
	// newcomer is rightly told busy, so try again, a bounded number of times.
	for range 1000 {
		c, _, line := first(t, addr)
		c.Close()
		if line == "welcome" {
			return
		}
	}
	t.Fatal("a client left a full pool and a thousand newcomers after it were all told busy: free the worker's slot when its client leaves")
}
