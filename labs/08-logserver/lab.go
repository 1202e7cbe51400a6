package logserver

import (
	"bytes"
	"fmt"
	"os"

	"github.com/netlab-go/netlab"
)

// Ack is the answer to every line, once it is in the log.
const Ack = "ok\n"

var _ netlab.Service = (*Service)(nil)

// A session is one client's: it writes each line the client sends to log
// and answers Ack. How log is opened, and who closes it, is the lab.
type session struct {
	c     netlab.Conn
	log   *os.File
	lines lines
}

func (s *session) Data(p []byte) {
	s.lines.feed(p, func(line []byte) {
		// Written in one call, a line cannot be cut by another client's.
		if _, err := s.log.Write(append(line, '\n')); err != nil {
			s.c.Send([]byte(fmt.Sprintf("! %v\n", err)))
			return
		}
		s.c.Send([]byte(Ack))
	})
}

func (s *session) EOF() {}

// lines frames the bytes a session is fed into lines without LF or CR.
type lines struct{ buf []byte }

// feed appends p and calls f with each whole line, in order.
func (l *lines) feed(p []byte, f func(line []byte)) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		f(bytes.TrimSuffix(l.buf[:i], []byte("\r")))
		l.buf = l.buf[i+1:]
	}
	l.buf = append(l.buf[:0:0], l.buf...)
}
