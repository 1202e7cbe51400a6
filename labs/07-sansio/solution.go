//go:build !starter

package sansio

import (
	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/labs/labkit"
)

// session is one connection's state. It never touches a socket: the model
// calls Data with the bytes it read, and the session answers with c.Send,
// which queues and returns at once.
type session struct {
	c     netlab.Conn
	lines labkit.Lines // frames what Data is fed; lab 05 is how
}

// Data is handed the bytes of one read: any part of a line, or several.
func (s *session) Data(p []byte) { s.lines.Feed(p, s.answer) }

func (s *session) answer(line []byte) {
	if r := reply(line); r != "" {
		s.c.Send([]byte(r))
	}
}

// EOF is called when the client half-closes: answer a last line that had
// no LF.
func (s *session) EOF() {
	if line, ok := s.lines.Rest(); ok {
		s.answer(line)
	}
}

// Closed is called once, last.
func (s *session) Closed(error) {}
