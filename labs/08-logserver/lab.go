package logserver

import (
	"fmt"
	"os"

	"github.com/netlab-go/netlab"
	"github.com/netlab-go/netlab/labs/labkit"
)

// Ack is the answer to every line, once it is in the log.
const Ack = "ok\n"

var _ netlab.Service = (*Service)(nil)

// A session is one client's: it writes each line the client sends to log
// and answers Ack. How log is opened, and who closes it, is the lab.
type session struct {
	c     netlab.Conn
	log   *os.File
	lines labkit.Lines
}

func (s *session) Data(p []byte) {
	s.lines.Feed(p, func(line []byte) {
		// Written in one call, a line cannot be cut by another client's.
		if _, err := s.log.Write(append(line, '\n')); err != nil {
			s.c.Send([]byte(fmt.Sprintf("! %v\n", err)))
			return
		}
		s.c.Send([]byte(Ack))
	})
}

func (s *session) EOF() {}
