//go:build !starter

package framing

import (
	"bytes"

	"github.com/netlab-go/netlab"
)

// session is one member's connection.
type session struct {
	room *Service
	c    netlab.Conn
	name string
	buf  []byte // the start of a line whose LF has not come yet
}

// Data is handed whatever one read returned: a byte, half a line, three
// lines. Each whole line (without its LF, and without a CR before it) is
// said to the room; empty lines are not.
func (s *session) Data(p []byte) {
	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			break
		}
		s.sayLine(s.buf[:i])
		s.buf = s.buf[i+1:]
	}
	// The slice's start moves on; copy the rest down so the array does
	// not grow for ever on a long conversation.
	s.buf = append(s.buf[:0:0], s.buf...)
}

func (s *session) sayLine(line []byte) {
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) > 0 {
		s.room.say(s.c, s.name, string(line))
	}
}

// EOF says the last line if it had no LF.
func (s *session) EOF() {
	s.sayLine(s.buf)
	s.buf = nil
}

// Closed leaves the room.
func (s *session) Closed(error) { s.room.leave(s.c) }
