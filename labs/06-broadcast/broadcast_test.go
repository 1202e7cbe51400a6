package broadcast

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/labs/labkit"
)

func TestMain(m *testing.M) { labkit.Main(m) }

// lines is how many 1 KiB lines alice sends: more than the kernel buffers
// between the server and a client that does not read (4 MiB of send
// buffer at most, and a receive buffer the slow client keeps small).
const lines = 8192

func line(i int) []byte {
	b := bytes.Repeat([]byte{'x'}, 1024)
	copy(b, fmt.Sprintf("line %d ", i))
	b[len(b)-1] = '\n'
	return b
}

// talk has alice say n lines, one at a time, each read by carol before the
// next is said, as people talk; it fails the test if carol waits longer
// than labkit.Patience for one.
func talk(t *testing.T, alice, carol net.Conn, n int) {
	got := make([]byte, 1024)
	for i := range n {
		alice.SetWriteDeadline(time.Now().Add(labkit.Patience))
		_, err := alice.Write(line(i))
		require.NoError(t, err, "alice says line %d", i+1)
		carol.SetReadDeadline(time.Now().Add(labkit.Patience))
		if _, err := io.ReadFull(carol, got); err != nil {
			if labkit.IsTimeout(err) {
				t.Fatalf("carol waited %v for alice's line %d of %d while bob did not read: "+
					"a client that does not read stalls your broadcast — give each client a queue and a writer goroutine, "+
					"and never wait on one client's socket while sending to the others", labkit.Patience, i+1, n)
			}
			require.NoError(t, err, "carol reads alice's line %d", i+1)
		}
		require.Equal(t, string(line(i)), string(got), "carol's line %d", i+1)
	}
}

// room starts the server and has alice, bob (who never reads) and carol
// join it: each line the others say is heard once the previous was.
func room(t *testing.T) (alice, bob, carol net.Conn) {
	addr := labkit.Go(t, labkit.Listen(t), Serve)
	alice, ra := labkit.Dial(t, addr)
	carol, rc := labkit.Dial(t, addr)
	labkit.Send(t, carol, "carol is here\n")
	labkit.ExpectLine(t, alice, ra, "carol is here", "a line reaches the other members")
	bob = labkit.DialBuffer(t, addr, syscall.SO_RCVBUF, 4096) // the window bob advertises stays small
	labkit.Send(t, bob, "bob is here\n")
	labkit.ExpectLine(t, alice, ra, "bob is here", "a line reaches the other members")
	labkit.ExpectLine(t, carol, rc, "bob is here", "a line reaches the other members")
	return alice, bob, carol
}

func TestLinesReachEveryOtherMember(t *testing.T) {
	alice, _, carol := room(t)
	talk(t, alice, carol, 10)
}

func TestASlowClientDoesNotStallTheOthers(t *testing.T) {
	alice, _, carol := room(t)
	talk(t, alice, carol, lines)
}

func TestASlowClientIsDropped(t *testing.T) {
	alice, bob, carol := room(t)
	talk(t, alice, carol, lines)
	// bob's queue overflowed long ago: what reached his socket is there
	// to read, and then the end.
	bob.SetReadDeadline(time.Now().Add(labkit.Patience))
	_, err := io.Copy(io.Discard, bob)
	if labkit.IsTimeout(err) {
		t.Fatalf("bob did not read for %d lines and is still connected: drop a client whose queue is full", lines)
	}
}
