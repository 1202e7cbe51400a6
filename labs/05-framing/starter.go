//go:build starter

package framing

import (
	"strings"

	"github.com/netlab-go/netlab"
)

// session is one member's connection.
type session struct {
	room *Service
	c    netlab.Conn
	name string
	// TODO: a buffer for the bytes of a line whose LF has not come yet.
}

// Data is handed whatever one read returned: a byte, half a line, three
// lines. Each whole line (without its LF, and without a CR before it) is
// said to the room; empty lines are not.
func (s *session) Data(p []byte) {
	// TODO: this treats p as one line, as recv(1024) code in Python often
	// does. Append p to the buffer, say every whole line in it, and keep
	// what follows the last LF for the next call.
	line := strings.TrimRight(string(p), "\r\n")
	if line != "" {
		s.room.say(s.c, s.name, line)
	}
}

// EOF says the last line if it had no LF.
func (s *session) EOF() {
	// TODO: say what is left in the buffer, if anything.
}

// Closed leaves the room.
func (s *session) Closed(error) { s.room.leave(s.c) }
