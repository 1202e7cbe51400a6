package logserver

import (
	"bytes"

	"github.com/netlab-go/netlab"
)

// Ack is the answer to every line, once it is in the log.
const Ack = "ok\n"

var _ netlab.Service = (*Service)(nil)

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
