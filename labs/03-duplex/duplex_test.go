package duplex

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/labs/labkit"
)

func TestMain(m *testing.M) { labkit.Main(m) }

// talk runs Talk on one end of a loopback connection and returns the
// client's end, the keyboard and the server's screen. When the test ends
// the client hangs up and Talk must return within labkit.Patience.
func talk(t *testing.T) (client net.Conn, r *bufio.Reader, keyboard chan string, screen *labkit.Screen) {
	l := labkit.Listen(t)
	defer l.Close()
	client, r = labkit.Dial(t, l.Addr().String())
	server, err := l.Accept()
	require.NoError(t, err)
	keyboard = make(chan string)
	screen = labkit.NewScreen()
	labkit.Run(t, "Talk", func() error { return Talk(server, keyboard, bufio.NewWriter(screen)) },
		func() { server.Close() }, // what the client hanging up looks like, even to a Talk stuck elsewhere
		"after the client hung up")
	return client, r, keyboard, screen
}

// typeLine types line at the server's keyboard, failing the test if Talk
// does not take it within labkit.Patience.
func typeLine(t *testing.T, keyboard chan<- string, line string) {
	t.Helper()
	select {
	case keyboard <- line:
	case <-time.After(labkit.Patience):
		t.Fatalf("the server's keyboard waited %.1fs for Talk to take the line %q: "+
			"Talk is busy waiting for the client — the keyboard needs a loop of its own", labkit.Patience.Seconds(), line)
	}
}

func TestTheKeyboardReachesAQuietClient(t *testing.T) {
	client, r, keyboard, _ := talk(t)
	typeLine(t, keyboard, "hello from the server")
	labkit.ExpectLine(t, client, r, "hello from the server",
		"a line typed at the server must reach the client even when the client has said nothing")
	typeLine(t, keyboard, "and again")
	labkit.ExpectLine(t, client, r, "and again", "every line typed is sent")
}

func TestTheClientIsHeardWhileNobodyTypes(t *testing.T) {
	client, r, _, screen := talk(t)
	for _, line := range []string{"one", "two", "three"} {
		labkit.Send(t, client, line+"\n")
		screen.Expect(t, "client: "+line, "the client spoke and nobody typed at the server: "+
			"the server waits for its keyboard before it reads the client again — read the client on a goroutine of its own")
		labkit.ExpectLine(t, client, r, line, "each line from the client is echoed back")
	}
}

func TestBothSpeakAtOnce(t *testing.T) {
	client, r, keyboard, screen := talk(t)
	labkit.Send(t, client, "client first\n")
	screen.Expect(t, "client: client first", "the client's line is printed")
	labkit.ExpectLine(t, client, r, "client first", "and echoed")
	typeLine(t, keyboard, "then the keyboard")
	labkit.ExpectLine(t, client, r, "then the keyboard", "then the keyboard's line is sent")
}

func TestTheEndOfTheKeyboardEndsTheConversation(t *testing.T) {
	client, r, keyboard, _ := talk(t)
	close(keyboard)
	client.SetReadDeadline(time.Now().Add(labkit.Patience))
	_, err := r.ReadString('\n')
	if labkit.IsTimeout(err) {
		t.Fatalf("the keyboard was closed and the client's connection stayed open for %v: "+
			"Talk must notice the keyboard's end while the client is quiet, and close the connection", labkit.Patience)
	}
	assert.Error(t, err, "the client reads the end of the stream")
}

func TestAClientThatHangsUpEndsTalk(t *testing.T) {
	client, _, _, _ := talk(t)
	require.NoError(t, client.Close())
	// The cleanup checks that Talk returned.
}
