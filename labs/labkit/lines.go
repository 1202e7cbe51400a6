package labkit

import "bytes"

// Lines frames the bytes a sans-I/O session is fed into lines: Feed takes
// whatever one read returned — a byte, half a line, three lines — and
// hands over each line once its LF has come, without the LF or a CR before
// it. Lab 05 is how it works; the labs after it use this one. The zero
// value is ready to use.
type Lines struct {
	buf []byte // the start of a line whose LF has not come yet
}

// Feed appends p and calls line with each whole line, in order. The slice
// line is given is valid only during the call.
func (l *Lines) Feed(p []byte, line func([]byte)) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		line(bytes.TrimSuffix(l.buf[:i], []byte("\r")))
		l.buf = l.buf[i+1:]
	}
	// The slice's start moves on; copy the rest down so the array does
	// not grow for ever on a long conversation.
	l.buf = append(l.buf[:0:0], l.buf...)
}

// Rest returns the last line, one that ended without an LF, for a client
// that half-closed; ok is false if there is none. It empties l.
func (l *Lines) Rest() (line []byte, ok bool) {
	line, l.buf = bytes.TrimSuffix(l.buf, []byte("\r")), nil
	return line, len(line) > 0
}
