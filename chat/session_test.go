package chat

import (
	"strings"
	"testing"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/netlabtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"time"
)

// room is a chat service with two members on fake connections: a is
// guest-1, b is guest-2, and what they were sent while joining is cleared.
type room struct {
	svc    *Service
	a, b   *netlabtest.Conn
	sa, sb netlab.Session
}

func newRoom(t *testing.T) *room {
	t.Helper()
	r := &room{svc: New(Options{}), a: netlabtest.NewConn(), b: netlabtest.NewConn()}
	r.sa = r.svc.Open(r.a)
	r.sb = r.svc.Open(r.b)
	require.Equal(t, "* welcome guest-1\n* guest-2 joined\n", r.a.Take())
	require.Equal(t, "* welcome guest-2\n", r.b.Take())
	return r
}

// chunkings are the ways a test feeds a session its input: the protocol
// must not care how TCP cut the stream.
var chunkings = []struct {
	name string
	size int // 0: all at once
}{
	{"in one piece", 0},
	{"one byte at a time", 1},
	{"in pieces of 7 bytes", 7},
}

func feed(s netlab.Session, in string, size int) {
	if size == 0 {
		s.Data([]byte(in))
		return
	}
	for len(in) > 0 {
		n := min(size, len(in))
		s.Data([]byte(in[:n]))
		in = in[n:]
	}
}

// TestSession covers every line of the protocol table and every error: what
// guest-1 sends, what it gets back and what guest-2 gets.
func TestSession(t *testing.T) {
	long := strings.Repeat("x", MaxLine)
	tests := []struct {
		name         string
		in           string // what guest-1 sends
		wantA, wantB string
		wantClosed   bool // guest-1's connection is closed
	}{
		{name: "a message reaches everyone but the sender", in: "hello\n", wantB: "guest-1: hello\n"},
		{name: "a CR before the LF is dropped", in: "hello\r\n", wantB: "guest-1: hello\n"},
		{name: "a CR anywhere else is kept", in: "a\rb\n", wantB: "guest-1: a\rb\n"},
		{name: "lines in one read are handled in order", in: "one\ntwo\nthree\n", wantB: "guest-1: one\nguest-1: two\nguest-1: three\n"},
		{name: "an empty line is ignored", in: "\n\r\n\n"},
		{name: "a line of spaces is a message", in: "  \n", wantB: "guest-1:   \n"},
		{name: "UTF-8 text passes unchanged", in: "héllo wörld ✓\n", wantB: "guest-1: héllo wörld ✓\n"},
		{name: "an unfinished line waits for its LF", in: "half a li"},

		{name: "nick renames and tells everyone", in: "/nick ann\n", wantA: "* you are ann\n", wantB: "* guest-1 is now ann\n"},
		{name: "nick trims spaces around the name", in: "/nick   ann  \n", wantA: "* you are ann\n", wantB: "* guest-1 is now ann\n"},
		{name: "nick accepts every allowed character", in: "/nick A-z_09\n", wantA: "* you are A-z_09\n", wantB: "* guest-1 is now A-z_09\n"},
		{name: "nick accepts 32 characters", in: "/nick " + strings.Repeat("n", 32) + "\n", wantA: "* you are " + strings.Repeat("n", 32) + "\n", wantB: "* guest-1 is now " + strings.Repeat("n", 32) + "\n"},
		{name: "nick refuses 33 characters", in: "/nick " + strings.Repeat("n", 33) + "\n", wantA: "! invalid name " + strings.Repeat("n", 33) + "\n"},
		{name: "nick refuses a space inside the name", in: "/nick a b\n", wantA: "! invalid name a b\n"},
		{name: "nick refuses punctuation", in: "/nick ann!\n", wantA: "! invalid name ann!\n"},
		{name: "nick refuses non-ASCII letters", in: "/nick zoë\n", wantA: "! invalid name zoë\n"},
		{name: "nick refuses a name someone has", in: "/nick guest-2\n", wantA: "! name taken guest-2\n"},
		{name: "nick to one's own name tells nobody else", in: "/nick guest-1\n", wantA: "* you are guest-1\n"},
		{name: "nick without a name gets its usage", in: "/nick\n/nick   \n", wantA: "! usage: /nick NAME\n! usage: /nick NAME\n"},
		{name: "two renames in a row are announced in order", in: "/nick ann\n/nick bea\n", wantA: "* you are ann\n* you are bea\n", wantB: "* guest-1 is now ann\n* ann is now bea\n"},

		{name: "msg reaches its addressee only", in: "/msg guest-2 hi there\n", wantB: "guest-1 (dm): hi there\n"},
		{name: "msg skips extra spaces before the name and the text", in: "/msg   guest-2   hi  \n", wantB: "guest-1 (dm): hi  \n"},
		{name: "msg to oneself is delivered to oneself", in: "/msg guest-1 note to self\n", wantA: "guest-1 (dm): note to self\n"},
		{name: "msg to nobody says so", in: "/msg nobody hi\n", wantA: "! no such user nobody\n"},
		{name: "msg without text gets its usage", in: "/msg guest-2\n/msg guest-2   \n", wantA: "! usage: /msg NAME TEXT\n! usage: /msg NAME TEXT\n"},
		{name: "msg without a name gets its usage", in: "/msg\n/msg \n", wantA: "! usage: /msg NAME TEXT\n! usage: /msg NAME TEXT\n"},
		{name: "percent form reaches its addressee only", in: "%guest-2%hi there\n", wantB: "guest-1 (dm): hi there\n"},
		{name: "percent form keeps the text exactly", in: "%guest-2% 50% off \n", wantB: "guest-1 (dm):  50% off \n"},
		{name: "percent form to nobody says so", in: "%nobody%hi\n", wantA: "! no such user nobody\n"},
		{name: "percent form without a second percent gets its usage", in: "%guest-2 hi\n%\n", wantA: "! usage: %NAME%TEXT\n! usage: %NAME%TEXT\n"},
		{name: "percent form with an empty name or text gets its usage", in: "%%hi\n%guest-2%\n", wantA: "! usage: %NAME%TEXT\n! usage: %NAME%TEXT\n"},

		{name: "who lists everyone sorted", in: "/who\n", wantA: "* online: guest-1 guest-2\n"},
		{name: "who ignores arguments", in: "/who is there\n", wantA: "* online: guest-1 guest-2\n"},
		{name: "help ends with its end line", in: "/help\n", wantA: helpText},
		{name: "an unknown command is named", in: "/dance\n", wantA: "! unknown command /dance\n"},
		{name: "an unknown command is named without its arguments", in: "/dance now\n", wantA: "! unknown command /dance\n"},
		{name: "a lone slash is an unknown command", in: "/\n", wantA: "! unknown command /\n"},
		{name: "commands are lower case", in: "/WHO\n", wantA: "! unknown command /WHO\n"},

		{name: "quit says bye, closes and tells the others", in: "/quit\n", wantA: "* bye\n", wantB: "* guest-1 left\n", wantClosed: true},
		{name: "quit ignores arguments", in: "/quit now\n", wantA: "* bye\n", wantB: "* guest-1 left\n", wantClosed: true},
		{name: "what follows quit is ignored", in: "/quit\nhello\n/who\n", wantA: "* bye\n", wantB: "* guest-1 left\n", wantClosed: true},

		{name: "invalid UTF-8 is refused", in: "caf\xe9\n", wantA: "! invalid UTF-8\n"},
		{name: "invalid UTF-8 in a command is refused", in: "/nick \xff\n", wantA: "! invalid UTF-8\n"},
		{name: "a line after invalid UTF-8 is handled", in: "\xc3\x28\nok\n", wantA: "! invalid UTF-8\n", wantB: "guest-1: ok\n"},
		{name: "a line of 4096 bytes passes", in: long + "\n", wantB: "guest-1: " + long + "\n"},
		{name: "a line of 4096 bytes and CRLF passes", in: long + "\r\n", wantB: "guest-1: " + long + "\n"},
		{name: "a line of 4097 bytes is too long", in: long + "x\nok\n", wantA: "! line too long\n", wantB: "guest-1: ok\n"},
		{name: "a line of 4096 bytes and CR CR is too long", in: long + "\r\r\nok\n", wantA: "! line too long\n", wantB: "guest-1: ok\n"},
		{name: "a very long line is refused once", in: strings.Repeat(long, 5) + "\nok\n", wantA: "! line too long\n", wantB: "guest-1: ok\n"},
		{name: "a long line still arriving is answered at once", in: strings.Repeat(long, 3), wantA: "! line too long\n"},
	}
	for _, tt := range tests {
		for _, ch := range chunkings {
			t.Run(tt.name+" "+ch.name, func(t *testing.T) {
				r := newRoom(t)
				feed(r.sa, tt.in, ch.size)
				assert.Equal(t, tt.wantA, r.a.Take())
				assert.Equal(t, tt.wantB, r.b.Take())
				assert.Equal(t, tt.wantClosed, r.a.Closed())
			})
		}
	}
}

// TestSessionEnd covers the ways a session ends: a half-close, the model
// closing it (idle timeout, overflow, shutdown), and input after the end.
func TestSessionEnd(t *testing.T) {
	t.Run("a half-close leaves and closes", func(t *testing.T) {
		r := newRoom(t)
		r.sa.EOF()
		assert.Equal(t, "* guest-1 left\n", r.b.Take())
		assert.True(t, r.a.Closed(), "guest-1's connection is still open after EOF")
		r.sa.Data([]byte("late\n"))
		r.sa.Closed(nil)
		assert.Equal(t, "", r.b.Take())
	})

	t.Run("a last line without LF is handled at half-close", func(t *testing.T) {
		r := newRoom(t)
		r.sa.Data([]byte("bye all\r"))
		r.sa.EOF()
		assert.Equal(t, "guest-1: bye all\n* guest-1 left\n", r.b.Take())
	})

	t.Run("a last /quit without LF says bye", func(t *testing.T) {
		r := newRoom(t)
		r.sa.Data([]byte("/quit"))
		r.sa.EOF()
		assert.Equal(t, "* bye\n", r.a.Take())
		assert.Equal(t, "* guest-1 left\n", r.b.Take())
	})

	t.Run("a connection the model closed leaves", func(t *testing.T) {
		r := newRoom(t)
		r.sa.Closed(netlab.ErrOverflow)
		assert.Equal(t, "* guest-1 left\n", r.b.Take())
		assert.Equal(t, []string{"guest-2"}, r.svc.Hub().Who())
	})

	t.Run("after quit, Closed announces nothing twice", func(t *testing.T) {
		r := newRoom(t)
		r.sa.Data([]byte("/quit\n"))
		r.sa.Closed(nil)
		assert.Equal(t, "* guest-1 left\n", r.b.Take())
	})
}

// TestSessionIdle checks what a graceful shutdown asks: a session holding
// half a line is busy.
func TestSessionIdle(t *testing.T) {
	r := newRoom(t)
	idler := r.sa.(netlab.Idler)
	assert.True(t, idler.Idle(), "a fresh session is not idle")
	r.sa.Data([]byte("half"))
	assert.False(t, idler.Idle(), "a session holding half a line is idle")
	r.sa.Data([]byte(" line\n"))
	assert.True(t, idler.Idle(), "a session that finished its line is not idle")
}

// TestServiceOptionalInterfaces checks what chat tells the models about
// itself.
func TestServiceOptionalInterfaces(t *testing.T) {
	svc := New(Options{})
	assert.Equal(t, "! server busy\n", string(netlab.BusyReplyOf(svc)))
	assert.Equal(t, DefaultIdleTimeout, netlab.IdleTimeoutOf(svc))
	assert.Equal(t, 30*time.Minute, DefaultIdleTimeout, "docs/protocols.md says 30 minutes")
}

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"a", true},
		{"guest-1", true},
		{"Ann_B-2", true},
		{strings.Repeat("x", 32), true},
		{"", false},
		{strings.Repeat("x", 33), false},
		{"a b", false},
		{"a.b", false},
		{"a%b", false},
		{"é", false},
		{"a\tb", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.ok, ValidName(tt.name))
	}
}
