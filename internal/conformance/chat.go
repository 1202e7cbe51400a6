package conformance

import (
	"bufio"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/chat"
)

// Chat holds model m to the chat protocol. The golden transcripts in chat/single
// (one client at a time) run on every model, those in chat/multi (clients
// talking at once) on every model that is not Serial, each against a fresh
// server and a fresh room. Then, with raw TCP clients, what a transcript
// cannot show: three clients at once, two 200-line bursts arriving whole and
// in order, a client that never reads while the others move megabytes, a
// long line refused while it is still arriving, invalid UTF-8, the busy
// reply, and — on a serial model — a second client left waiting.
func Chat(t *testing.T, m Model) {
	newChat := func(testing.TB) netlab.Service { return chat.New(chat.Options{}) }
	t.Run("transcripts", func(t *testing.T) {
		t.Run("single", func(t *testing.T) {
			RunTranscripts(t, m, "chat/single", newChat, netlab.Config{})
		})
		t.Run("multi", func(t *testing.T) {
			if m.Serial {
				t.Skip("a serial model serves one client at a time: its transcripts are those in single/")
			}
			RunTranscripts(t, m, "chat/multi", newChat, netlab.Config{})
		})
	})

	t.Run("three clients hear each other's messages, renames and leaves", func(t *testing.T) {
		if m.Serial {
			t.Skip("a serial model serves one client at a time")
		}
		addr, _ := Start(t, m, chat.New(chat.Options{}), netlab.Config{})
		a, b, c := joinThree(t, addr)

		a.send(t, "hi all")
		allHear(t, "guest-1: hi all", b, c)

		b.send(t, "/nick bob")
		b.expect(t, "* you are bob")
		allHear(t, "* guest-2 is now bob", a, c)

		c.send(t, "/msg bob psst")
		b.expect(t, "guest-3 (dm): psst")
		c.send(t, "/who")
		c.expect(t, "* online: bob guest-1 guest-3")

		b.send(t, "/quit")
		b.expect(t, "* bye")
		b.expectClosed(t)
		allHear(t, "* bob left", a, c)

		c.c.Close() // no /quit: the connection just goes
		a.expect(t, "* guest-3 left")
		a.send(t, "/who")
		a.expect(t, "* online: guest-1")
	})

	t.Run("two 200-line bursts sent at once arrive complete and in order", func(t *testing.T) {
		if m.Serial {
			t.Skip("a serial model serves one client at a time")
		}
		addr, _ := Start(t, m, chat.New(chat.Options{}), netlab.Config{})
		a, b, c := joinThree(t, addr)

		const n = 200
		burst := func(from string) []byte {
			var sb strings.Builder
			for i := range n {
				fmt.Fprintf(&sb, "%s says %03d %s\n", from, i, strings.Repeat("-", i%50))
			}
			return []byte(sb.String())
		}
		// Each burst is one write: the server reads it in whatever pieces
		// TCP delivers and must cut it into 200 lines.
		for _, p := range []*chatPeer{a, b} {
			if _, err := p.c.Write(burst(p.name)); err != nil {
				t.Fatal(err)
			}
		}
		// c gets both, interleaved somehow, each in its own order; a and b
		// each get the other's.
		checkBursts(t, c, n, a.name, b.name)
		checkBursts(t, a, n, b.name)
		checkBursts(t, b, n, a.name)
	})

	t.Run("a client that never reads neither slows the others nor stays", func(t *testing.T) {
		if m.Serial {
			t.Skip("a serial model serves one client at a time")
		}
		// A small bound, so that the slow client is dropped after a few
		// hundred kilobytes beyond what the kernel buffers for it.
		const maxPending = 64 << 10
		addr, srv := Start(t, m, chat.New(chat.Options{}), netlab.Config{MaxPending: maxPending})
		// Each client reads its welcome before the next connects: the
		// order of connects alone does not fix the order in which a model
		// opens sessions, and so who is guest-1.
		a := joinChat(t, addr)
		slow := joinChat(t, addr) // reads its welcome, and never another byte
		a.expect(t, "* "+slow.name+" joined")
		b := joinChat(t, addr)
		a.expect(t, "* "+b.name+" joined")

		// a and b each send 6000 lines of 1000 bytes (12 MB in all, far
		// more than the kernel can buffer for slow), and each reads the
		// other's. Each sender keeps at most 32 lines ahead of its reader,
		// as a well-behaved client does, so that a and b themselves never
		// come near the bound: whatever happens to slow, their exchange
		// goes on at the speed they read.
		const lines, size, window = 6000, 1000, 32
		if err := chatExchange(a, b, lines, size, window, "* "+slow.name+" left"); err != nil {
			t.Fatal(err)
		}

		// slow was dropped: after what the kernel had buffered for it, it
		// reads the end of the stream.
		WaitClosed(t, slow.c)
		if sr, ok := srv.(netlab.StatsReporter); ok {
			if got := sr.Stats().Dropped; got != 1 {
				t.Errorf("the server dropped %d connections, want 1 (the slow one)", got)
			}
		}
		a.send(t, "/who")
		a.expect(t, "* online: "+a.name+" "+b.name) // guest-1 guest-3
	})

	t.Run("a 5000-byte line sent in pieces is refused and the connection keeps working", func(t *testing.T) {
		addr, _ := Start(t, m, chat.New(chat.Options{}), netlab.Config{})
		a, b := joinWithWitness(t, m, addr)
		a.c.SetNoDelay(true)
		// The answer comes as soon as the line passes 4096 bytes, while
		// the rest is still to be sent: the server never waits for (or
		// buffers up to) the LF of a line it has already refused.
		a.write(t, strings.Repeat("x", chat.MaxLine+1))
		a.expect(t, "! line too long")
		for _, piece := range []string{strings.Repeat("y", 300), strings.Repeat("z", 300), strings.Repeat("/", 303) + "\n"} {
			a.write(t, piece)
		}
		a.send(t, "after")
		a.send(t, "/who")
		if b != nil {
			a.expect(t, "* online: guest-1 guest-2")
			b.expect(t, "guest-1: after") // nothing of the long line came first
		} else {
			a.expect(t, "* online: guest-1")
		}
	})

	t.Run("invalid UTF-8 is refused and the connection keeps working", func(t *testing.T) {
		addr, _ := Start(t, m, chat.New(chat.Options{}), netlab.Config{})
		a, b := joinWithWitness(t, m, addr)
		for _, bad := range []string{
			"caf\xe9",                   // Latin-1, not UTF-8
			"\xc3\x28",                  // a lead byte without its continuation
			"\xc0\xaf",                  // an overlong encoding of '/'
			"\xed\xa0\x80",              // a UTF-16 surrogate
			"\xf4\x90\x80\x80",          // beyond U+10FFFF
			"cut short \xe2\x82",        // a character cut off by the LF
			"/nick caf\xe9",             // a command is checked first, too
			"%guest-2%\xff\xfe\xfd\xfc", // and a direct message
		} {
			a.send(t, bad)
			a.expect(t, "! invalid UTF-8")
		}
		a.send(t, "fine: \u00e9\u2713\U0001F600")
		if b != nil {
			b.expect(t, "guest-1: fine: \u00e9\u2713\U0001F600")
		}
		a.send(t, "/who")
		if b != nil {
			a.expect(t, "* online: guest-1 guest-2")
		} else {
			a.expect(t, "* online: guest-1")
		}
	})

	t.Run("a client silent for the idle timeout is closed and leaves the room", func(t *testing.T) {
		// The timeout is short so that the test is; the test waits for the
		// close itself, however long the machine takes to get there.
		addr, _ := Start(t, m, chat.New(chat.Options{}), netlab.Config{IdleTimeout: 500 * time.Millisecond})
		a := joinChat(t, addr)
		a.expectClosed(t)
		a.c.Close()
		// The socket closes first; the model then tells the session,
		// which leaves the hub. A newcomer may arrive in between: then
		// it still sees a in the room, and hears it leave next.
		b := joinChat(t, addr)
		b.send(t, "/who")
		names := []string{a.name, b.name}
		slices.Sort(names)
		switch got, err := b.readLine(); got {
		case "* online: " + b.name:
		case "* online: " + strings.Join(names, " "):
			b.expect(t, "* "+a.name+" left")
		default:
			t.Fatalf("%s got %q (%v), want who is online", b.name, got, err)
		}
	})

	t.Run("a client beyond the connection limit gets the busy reply", func(t *testing.T) {
		if m.Serial {
			t.Skip("a serial model leaves the next client waiting in the backlog instead")
		}
		addr, _ := Start(t, m, chat.New(chat.Options{}), netlab.Config{MaxConns: 1})
		joinChat(t, addr) // now it surely holds the one slot
		second := Dial(t, addr)
		if got := readAll(t, second); got != "! server busy\n" {
			t.Errorf("the second client got %q, want \"! server busy\\n\" and a close", got)
		}
	})

	t.Run("a serial model welcomes a second client only after the first quits", func(t *testing.T) {
		if !m.Serial {
			t.Skip("a concurrent model welcomes every client at once (the three-client test shows it)")
		}
		addr, srv := Start(t, m, chat.New(chat.Options{}), netlab.Config{})
		first := joinChat(t, addr)

		// The second client's connect succeeds (the kernel completes the
		// handshake and queues it in the listen backlog) and it can send,
		// but no welcome comes: the server is inside the first's session.
		second := Dial(t, addr)
		secondR := bufio.NewReader(second)
		if _, err := second.Write([]byte("/who\n")); err != nil {
			t.Fatal(err)
		}
		// The first is still served, and alone in the room.
		first.send(t, "/who")
		first.expect(t, "* online: guest-1")
		if sr, ok := srv.(netlab.StatsReporter); ok {
			if got := sr.Stats().Accepted; got != 1 {
				t.Fatalf("accepted %d connections while the first is connected, want 1", got)
			}
		}

		first.send(t, "/quit")
		first.expect(t, "* bye")
		first.expectClosed(t)
		first.c.Close() // spare the server its linger for our last bytes

		// Only now is the second welcomed, and its /who, waiting in its
		// socket all along, answered.
		second.SetReadDeadline(time.Now().Add(Timeout))
		for _, want := range []string{"* welcome guest-2\n", "* online: guest-2\n"} {
			if got, err := secondR.ReadString('\n'); got != want {
				t.Fatalf("the second client got %q (%v), want %q", got, err, want)
			}
		}
	})
}
