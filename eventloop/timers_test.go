//go:build linux

package eventloop_test

import (
	"bufio"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/eventloop"
	"github.com/netlab-go/netlab/netlabtest"
)

// A connection that sends nothing for the idle timeout is closed by the
// server, and its session is told why.
func TestIdleTimeoutClosesASilentConnection(t *testing.T) {
	onClose, closed := netlabtest.Closes()
	svc := &netlabtest.Probe{OnClosed: onClose}
	_, addr := start(t, svc, netlab.Config{IdleTimeout: 50 * time.Millisecond}, eventloop.Options{Loops: 1}, nil)
	c := netlabtest.Dial(t, addr)
	netlabtest.RoundTrip(t, c, "still here\n")
	netlabtest.WaitClosed(t, c) // and then silence
	assert.ErrorContains(t, netlabtest.Await(t, closed, "Closed"), "idle for 50ms", "Closed, want the idle timeout")
}

// Idleness is about what the client sends (docs/protocols.md): a connection that
// only receives — a chat member who listens — idles out however much it is
// sent.
func TestRepliesAloneDoNotKeepAConnectionAlive(t *testing.T) {
	onOpen, conns := netlabtest.Opens()
	onClose, closed := netlabtest.Closes()
	svc := &netlabtest.Probe{OnOpen: onOpen, OnClosed: onClose}
	_, addr := start(t, svc, netlab.Config{IdleTimeout: 100 * time.Millisecond}, eventloop.Options{Loops: 1}, nil)
	c := netlabtest.Dial(t, addr)
	sc := netlabtest.Await(t, conns, "the session to open")
	r := bufio.NewReader(c)
	// Ping-pong from the server's side until it gives up on the client:
	// bounded by the idle timeout, or by the connection's deadline if
	// replies wrongly count as activity.
	for sc.Send([]byte("tick\n")) == nil {
		if _, err := r.ReadString('\n'); err != nil {
			var ne net.Error
			require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server's replies kept the connection open until the client's deadline")
			break
		}
	}
	assert.ErrorContains(t, netlabtest.Await(t, closed, "Closed"), "idle for", "Closed, want the idle timeout")
}
