package chat

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/netlab-go/netlab"
)

// Replies a session sends its own client. Every error starts with "! " and
// leaves the connection open.
const (
	replyTooLong     = "! line too long\n"
	replyInvalidUTF8 = "! invalid UTF-8\n"
	replyControl     = "! control character\n"
	replyBye         = "* bye\n"
	usageNick        = "! usage: /nick NAME\n"
	usageMsg         = "! usage: /msg NAME TEXT\n"
	usagePercent     = "! usage: %NAME%TEXT\n"
)

// helpText is the answer to /help: every line starts with "* " and the last
// is exactly "* end of help", so a program can read it to its end.
const helpText = `* commands:
* TEXT            say TEXT to everyone else
* /nick NAME      change your name (1-32 of A-Z a-z 0-9 _ -)
* /msg NAME TEXT  say TEXT to NAME only
* %NAME%TEXT      the same as /msg NAME TEXT
* /who            list who is online
* /quit           leave
* /help           this list
* end of help
`

// session is one client's side of the chat: it splits the bytes it is fed
// into lines and turns each line into a hub request or a reply. The model
// calls its methods one at a time, so it needs no lock of its own.
type session struct {
	c     netlab.Conn
	hub   Hub
	id    ID
	split lineSplitter
	left  bool // the client quit or half-closed: the hub is left, input ignored
}

var _ netlab.Idler = (*session)(nil)

// Data implements [netlab.Session]. A line too long is answered as soon as
// it passes [MaxLine], while the client may still be sending it.
func (s *session) Data(p []byte) {
	if s.left {
		return
	}
	for line, err := range s.split.lines(p) {
		if err != nil {
			s.reply(replyTooLong)
			continue
		}
		if !s.line(line) {
			return
		}
	}
}

// EOF implements [netlab.Session]. A last line without its LF is taken as a
// line, the way a shell pipe would mean it (`printf 'hi'` is "hi"); then the
// client leaves, as if it had sent /quit but without the "* bye".
func (s *session) EOF() {
	if s.left {
		return
	}
	if line, ok := s.split.rest(); ok && !s.line(line) {
		return
	}
	s.leave()
	s.c.Close()
}

// Closed implements [netlab.Session]: whatever ended the connection (the
// client vanished, the idle timeout, its queue overflowed, the server shut
// down), the others hear that it left.
func (s *session) Closed(error) {
	if !s.left {
		s.leave()
	}
}

// Idle implements [netlab.Idler]: a session is between requests unless it
// holds part of a line. A graceful shutdown does not cut a line in half.
func (s *session) Idle() bool { return !s.split.pending() }

func (s *session) leave() {
	s.left = true
	s.hub.Leave(s.id)
}

// line handles one complete line (without CR/LF). It reports false once the
// client has quit. The checks run before the line is read as a command, so
// a command with a control character in it is refused like any other line
// (docs/protocols.md).
func (s *session) line(p []byte) bool {
	switch {
	case len(p) == 0:
		// Ignored: an empty line is a keep-alive.
	case !utf8.Valid(p):
		s.reply(replyInvalidUTF8)
	case hasControl(p):
		s.reply(replyControl)
	case p[0] == '/':
		return s.command(string(p))
	case p[0] == '%':
		s.percent(string(p[1:]))
	default:
		s.hub.Say(s.id, string(p))
	}
	return true
}

// command runs a line starting with "/". The command is the first word;
// arguments a command does not take are ignored ("/quit now" quits).
// Commands are lower case: "/WHO" is an unknown command, and the error says
// which word was not understood.
func (s *session) command(l string) bool {
	cmd, arg, _ := strings.Cut(l, " ")
	switch cmd {
	case "/nick":
		s.nick(strings.Trim(arg, " "))
	case "/msg":
		to, text, _ := strings.Cut(strings.TrimLeft(arg, " "), " ")
		text = strings.TrimLeft(text, " ")
		if to == "" || text == "" {
			s.reply(usageMsg)
			return true
		}
		s.tell(to, text)
	case "/who":
		s.reply("* online: " + strings.Join(s.hub.Who(), " ") + "\n")
	case "/help":
		s.reply(helpText)
	case "/quit":
		// Leave first, so that nothing reaches the client after "* bye".
		s.leave()
		s.reply(replyBye)
		s.c.Close()
		return false
	default:
		s.reply("! unknown command " + cmd + "\n")
	}
	return true
}

// percent handles "%NAME%TEXT" (the leading % already cut off): the direct
// message form of the Python course's chat with direct messages. A missing second %, an empty NAME or an
// empty TEXT get the usage line; TEXT is taken exactly as sent.
func (s *session) percent(rest string) {
	to, text, ok := strings.Cut(rest, "%")
	if !ok || to == "" || text == "" {
		s.reply(usagePercent)
		return
	}
	s.tell(to, text)
}

func (s *session) nick(name string) {
	switch {
	case name == "":
		s.reply(usageNick)
	case !ValidName(name):
		s.reply("! invalid name " + name + "\n")
	default:
		if err := s.hub.Rename(s.id, name); errors.Is(err, ErrNameTaken) {
			s.reply("! name taken " + name + "\n")
		}
	}
}

func (s *session) tell(to, text string) {
	if err := s.hub.Tell(s.id, to, text); errors.Is(err, ErrNoSuchUser) {
		s.reply("! no such user " + to + "\n")
	}
}

// reply sends a line to this session's own client. An error needs no
// handling here: it means the connection is going, and the model will call
// Closed.
func (s *session) reply(l string) { s.c.Send([]byte(l)) }

// hasControl reports whether the valid UTF-8 line p holds a control
// character other than TAB: C0 (a CR inside the line included), DEL, or C1
// (U+0080 to U+009F, which UTF-8 spells 0xC2 0x80 to 0xC2 0x9F). Such a line
// is refused rather than relayed, since ESC or CSI would let one client
// move the cursor, clear the screen or retitle the window of every other
// client's terminal.
func hasControl(p []byte) bool {
	for i, b := range p {
		switch {
		case b < 0x20 && b != '\t', b == 0x7f:
			return true
		case b == 0xc2 && i+1 < len(p) && p[i+1] <= 0x9f:
			return true // the line is valid UTF-8, so p[i+1] is a continuation byte ≥ 0x80
		}
	}
	return false
}

// ValidName reports whether name may be a chat name: 1 to 32 bytes, each one
// of A-Z, a-z, 0-9, '_' and '-'. Names are case-sensitive: "Ann" and "ann"
// are two people.
func ValidName(name string) bool {
	if len(name) < 1 || len(name) > 32 {
		return false
	}
	for i := range len(name) {
		switch b := name[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}
