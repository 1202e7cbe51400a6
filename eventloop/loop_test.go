//go:build linux

package eventloop_test

import (
	"bufio"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/echo"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/netlabtest"
)

// Many connections cost no goroutines: that is the model.
func TestConnectionsCostNoGoroutines(t *testing.T) {
	_, addr := start(t, echo.New(), netlab.Config{}, eventloop.Options{Loops: 2}, nil)
	before := runtime.NumGoroutine()
	const n = 200
	for i := range n {
		c := netlabtest.Dial(t, addr)
		msg := fmt.Appendf(nil, "client %d\n", i)
		c.Write(msg)
		netlabtest.Expect(t, c, string(msg))
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before+10, "goroutines with %d clients connected, %d before", n, before)
}

// A Send from a goroutine that is not a loop must wake the owning loop,
// which sleeps in epoll_wait with no timer set (no idle timeout): only the
// eventfd can end that sleep.
func TestSendFromAnotherGoroutineWakesTheLoop(t *testing.T) {
	conns := make(chan netlab.Conn, 1)
	svc := &netlabtest.Probe{OnOpen: func(c netlab.Conn) { conns <- c }}
	_, addr := start(t, svc, netlab.Config{IdleTimeout: -1}, eventloop.Options{Loops: 1}, nil)
	c := netlabtest.Dial(t, addr)
	sc := netlabtest.Await(t, conns, "the session to open")
	for i := range 3 {
		msg := fmt.Sprintf("pushed %d\n", i)
		require.NoError(t, sc.Send([]byte(msg)), "Send")
		netlabtest.Expect(t, c, msg)
	}
}

// A session on one loop sending to a connection on another (chat fan-out)
// goes through the other loop's queue and eventfd.
func TestSendAcrossLoops(t *testing.T) {
	var mu sync.Mutex
	var peers []netlab.Conn
	opened := make(chan netlab.Conn, 2)
	svc := &netlabtest.Probe{
		OnOpen: func(c netlab.Conn) {
			mu.Lock()
			peers = append(peers, c)
			mu.Unlock()
			opened <- c
		},
		OnData: func(c netlab.Conn, p []byte) { // relay to every other client
			mu.Lock()
			defer mu.Unlock()
			for _, o := range peers {
				if o != c {
					o.Send(p)
				}
			}
		},
	}
	_, addr := start(t, svc, netlab.Config{}, eventloop.Options{Loops: 2}, nil)
	a := netlabtest.Dial(t, addr)
	b := netlabtest.Dial(t, addr)
	ca, cb := netlabtest.Await(t, opened, "a session to open"), netlabtest.Await(t, opened, "a session to open")
	require.False(t, eventloop.SameLoop(ca, cb), "two connections on a two-loop server share a loop: least-connections should have split them")
	b.Write([]byte("from b\n"))
	assert.Equal(t, "from b", netlabtest.ReceiveLine(t, bufio.NewReader(a)))
	a.Write([]byte("from a\n"))
	assert.Equal(t, "from a", netlabtest.ReceiveLine(t, bufio.NewReader(b)))
}
