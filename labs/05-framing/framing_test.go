package framing

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/labs/labkit"
	"github.com/netlab-go/netlab/netlabtest"
)

func TestMain(m *testing.M) { labkit.Main(m) }

// room opens two members, alice (guest-1) and bob (guest-2), on recording
// Conns: the test is the model, and chooses how the bytes are cut.
func room() (alice *netlabtest.Conn, bob netlab.Session, bobConn *netlabtest.Conn) {
	svc := New()
	alice, bobConn = netlabtest.NewConn(), netlabtest.NewConn()
	svc.Open(alice)
	return alice, svc.Open(bobConn), bobConn
}

const framingBug = "one Data call is what one read returned, not one line — " +
	"keep the bytes in a buffer and say a line only when its LF has come"

func TestALineSentOneByteAtATimeArrivesWhole(t *testing.T) {
	alice, bob, _ := room()
	for _, b := range []byte("hello\n") {
		bob.Data([]byte{b})
	}
	assert.Equal(t, "guest-2: hello\n", alice.Take(), "bob sent \"hello\\n\" one byte at a time: "+framingBug)
}

func TestTwoLinesInOneReadAreTwoLines(t *testing.T) {
	alice, bob, _ := room()
	bob.Data([]byte("one\ntwo\n"))
	assert.Equal(t, "guest-2: one\nguest-2: two\n", alice.Take(), "bob's two lines came in one read: "+framingBug)
}

func TestALineCutAcrossReadsArrivesWhole(t *testing.T) {
	alice, bob, _ := room()
	bob.Data([]byte("hel"))
	assert.Empty(t, alice.Take(), "half a line must wait for its LF: "+framingBug)
	bob.Data([]byte("lo\r\nwor"))
	bob.Data([]byte("ld\n"))
	assert.Equal(t, "guest-2: hello\nguest-2: world\n", alice.Take(), "lines cut across reads: "+framingBug)
}

func TestTheSenderHearsNothingAndEmptyLinesAreNotSaid(t *testing.T) {
	alice, bob, bobConn := room()
	bob.Data([]byte("\n\r\nhi\n"))
	assert.Equal(t, "guest-2: hi\n", alice.Take())
	assert.Empty(t, bobConn.Take(), "the sender does not hear its own line")
}

func TestALastLineWithoutLFIsSaidAtEOF(t *testing.T) {
	alice, bob, _ := room()
	bob.Data([]byte("bye"))
	bob.EOF()
	assert.Contains(t, alice.Take(), "guest-2: bye\n")
}

// Under a model that reads whatever the kernel has — a goroutine's Read,
// the event loop's read on a ready socket — the room works on the wire.
func TestTheRoomOnTheWire(t *testing.T) {
	labkit.EverySharedModel(t, func(t *testing.T, newServer netlabtest.NewServerFunc) {
		room, opened := labkit.Opened(New())
		addr, _ := netlabtest.Start(t, newServer, room, netlab.Config{})
		alice, ra := labkit.Dial(t, addr)
		netlabtest.Await(t, opened, "alice to join") // so that she is guest-1
		bob, _ := labkit.Dial(t, addr)
		netlabtest.Await(t, opened, "bob to join")
		labkit.Send(t, bob, "hello over TCP\n")
		labkit.ExpectLine(t, alice, ra, "guest-2: hello over TCP", "a line said on the wire reaches the other member")
	})
}
