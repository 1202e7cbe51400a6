package udpchat

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/labs/labkit"
)

func TestMain(m *testing.M) { labkit.Main(m) }

// A peer is a test's UDP socket connected to the server.
type peer struct {
	name string
	c    net.Conn
}

func dial(t *testing.T, name, addr string) peer {
	c, err := net.Dial("udp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return peer{name, c}
}

func (p peer) say(t *testing.T, line string) {
	t.Helper()
	_, err := p.c.Write([]byte(line))
	require.NoError(t, err)
}

// hear fails the test unless the next datagram p receives, within
// labkit.Patience, is want.
func (p peer) hear(t *testing.T, want, why string) {
	t.Helper()
	p.c.SetReadDeadline(time.Now().Add(labkit.Patience))
	buf := make([]byte, MaxDatagram)
	n, err := p.c.Read(buf)
	if labkit.IsTimeout(err) {
		t.Fatalf("%s waited %v for %q and heard nothing: %s", p.name, labkit.Patience, want, why)
	}
	require.NoError(t, err)
	if got := string(buf[:n]); got != want {
		t.Fatalf("%s heard %q, want %q: %s", p.name, got, want, why)
	}
}

const noConnections = "a UDP server has no connection per client — remember every address it hears from " +
	"and send each line to all the others, never back to its sender"

func TestALineReachesEveryOtherPeer(t *testing.T) {
	addr := labkit.GoUDP(t, Serve)
	ann, bob, cid := dial(t, "ann", addr), dial(t, "bob", addr), dial(t, "cid", addr)
	ann.say(t, "ann is here")
	bob.say(t, "bob is here")
	ann.hear(t, "bob is here", noConnections)
	cid.say(t, "cid is here")
	ann.hear(t, "cid is here", noConnections)
	bob.hear(t, "cid is here", noConnections)
	ann.say(t, "hello, both")
	bob.hear(t, "hello, both", noConnections)
	cid.hear(t, "hello, both", noConnections)
}

func TestAPeerThatQuitsHearsNothingMore(t *testing.T) {
	addr := labkit.GoUDP(t, Serve)
	ann, bob := dial(t, "ann", addr), dial(t, "bob", addr)
	ann.say(t, "ann is here")
	bob.say(t, "bob is here")
	ann.hear(t, "bob is here", noConnections)
	bob.say(t, Quit)
	ann.say(t, "bob left, so nobody hears this")
	// bob comes back: the first line he hears is one said after, so the
	// one before never reached him.
	bob.say(t, "bob is back")
	ann.hear(t, "bob is back", "a peer that quit and speaks again is a member again")
	ann.say(t, "welcome back")
	bob.hear(t, "welcome back", "a peer that sent "+Quit+" is forgotten until it speaks again")
}

func TestTheClientPrintsWhileNobodyTypes(t *testing.T) {
	server := labkit.ListenUDP(t)
	conn, err := net.Dial("udp", server.LocalAddr().String())
	require.NoError(t, err)
	in, keyboard := io.Pipe()
	screen := labkit.NewScreen()
	labkit.Run(t, "Chat", func() error { return Chat(conn, in, screen) }, func() { keyboard.Close() }, "after the keyboard ended")

	_, err = io.WriteString(keyboard, "hello\n")
	require.NoError(t, err)
	buf := make([]byte, MaxDatagram)
	server.SetReadDeadline(time.Now().Add(labkit.Patience))
	n, client, err := server.ReadFrom(buf)
	require.NoError(t, err, "the line typed reaches the server as a datagram")
	assert.Equal(t, "hello", string(buf[:n]))
	for _, line := range []string{"ann: hi", "bob: hi too", "cid: and me"} {
		_, err := server.WriteTo([]byte(line), client)
		require.NoError(t, err)
		screen.Expect(t, line, "datagrams came from the server while the user typed nothing: "+
			"the client reads only after a line is typed — print from a receiver goroutine")
	}
}
