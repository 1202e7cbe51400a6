package receiver

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
	"github.com/netlab-go/netlab/labs/labkit"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/netlab-go/netlab/perconn"
)

func TestMain(m *testing.M) { labkit.Main(m) }

// start serves a chat room and runs Chat on a connection to it, with a
// keyboard the test types on and a screen it reads. When the test ends the
// keyboard is closed and Chat must return within labkit.Patience.
func start(t *testing.T) (addr string, keyboard *io.PipeWriter, screen *labkit.Screen) {
	room, opened := labkit.Opened(chat.New(chat.Options{}))
	addr, _ = netlabtest.Start(t, netlabtest.Infallible(perconn.New), room, netlab.Config{})
	conn, _ := labkit.Dial(t, addr)
	// Names go by the order sessions open: this client is guest-1 once
	// its session is open, whoever connects next.
	netlabtest.Await(t, opened, "the chat server to open the client's session")
	in, keyboard := io.Pipe()
	screen = labkit.NewScreen()
	labkit.Run(t, "Chat", func() error { return Chat(conn, in, screen) }, func() { keyboard.Close() }, "after the keyboard ended")
	return addr, keyboard, screen
}

const noReceiver = "your client reads the socket only after the user types a line — " +
	"print what arrives from a receiver goroutine of its own"

func TestTheWelcomeIsPrintedAtOnce(t *testing.T) {
	_, _, screen := start(t)
	screen.Expect(t, "* welcome guest-1", "the server greeted the client as it connected and nothing was typed: "+noReceiver)
}

func TestMessagesArriveWhileTheUserIsIdle(t *testing.T) {
	addr, _, screen := start(t)
	other, r := labkit.Dial(t, addr)
	labkit.ExpectLine(t, other, r, "* welcome guest-2", "the chat server did not greet the second member")
	labkit.Send(t, other, "hi there\n")
	for _, want := range []string{"* welcome guest-1", "* guest-2 joined", "guest-2: hi there"} {
		screen.Expect(t, want, "another member spoke while the user typed nothing: "+noReceiver)
	}
}

func TestTypedLinesReachTheRoom(t *testing.T) {
	addr, keyboard, _ := start(t)
	other, r := labkit.Dial(t, addr)
	labkit.ExpectLine(t, other, r, "* welcome guest-2", "the chat server did not greet the second member")
	_, err := io.WriteString(keyboard, "hello from the keyboard\n")
	assert.NoError(t, err)
	labkit.ExpectLine(t, other, r, "guest-1: hello from the keyboard", "a line typed must be sent to the server at once")
}

func TestTheClientLeavesWhenTheKeyboardEnds(t *testing.T) {
	addr, keyboard, _ := start(t)
	other, r := labkit.Dial(t, addr)
	labkit.ExpectLine(t, other, r, "* welcome guest-2", "the chat server did not greet the second member")
	keyboard.Close()
	labkit.ExpectLine(t, other, r, "* guest-1 left", "when the keyboard ends Chat must close its connection")
}
