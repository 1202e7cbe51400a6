//go:build !starter

package sansio

import (
	"bytes"

	"github.com/netlab-go/netlab"
)

// session is one connection's state. It never touches a socket: the model
// calls Data with the bytes it read, and the session answers with c.Send,
// which queues and returns at once.
type session struct {
	c   netlab.Conn
	buf []byte // the start of a line whose LF has not come yet
}

// Data is handed the bytes of one read: any part of a line, or several.
func (s *session) Data(p []byte) {
	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			break
		}
		s.answer(s.buf[:i])
		s.buf = s.buf[i+1:]
	}
	s.buf = append(s.buf[:0:0], s.buf...)
}

func (s *session) answer(line []byte) {
	if r := reply(bytes.TrimSuffix(line, []byte("\r"))); r != "" {
		s.c.Send([]byte(r))
	}
}

// EOF is called when the client half-closes: answer a last line that had
// no LF.
func (s *session) EOF() {
	if len(s.buf) > 0 {
		s.answer(s.buf)
		s.buf = nil
	}
}

// Closed is called once, last.
func (s *session) Closed(error) {}
