package chat

import (
	"bytes"
	"errors"
	"iter"
)

// MaxLine is the longest line the server accepts, in bytes, not counting its
// CR/LF terminator. A longer line is answered with "! line too long" and
// discarded up to its LF, without ever being held in memory.
const MaxLine = 4096

// errLineTooLong is what [lineSplitter.lines] yields once for a line that
// passed [MaxLine]; the rest of that line is skipped.
var errLineTooLong = errors.New("line too long")

// lineSplitter cuts a byte stream, handed over in chunks of any size (one byte
// at a time works), into lines. It is the sans-I/O half of a line reader: it
// never reads, it is fed.
//
// It holds at most max+1 bytes of an unfinished line (the +1 is a CR that may
// turn out to be the end of a line of exactly max bytes), and it holds
// nothing at all between lines, so an idle connection costs no buffer.
type lineSplitter struct {
	max     int
	partial []byte // the start of a line whose LF has not arrived yet
	skip    bool   // the current line passed max: drop bytes up to its LF
}

// lines yields each complete line in p, in order, without its LF and without
// a CR right before that LF, or errLineTooLong (once, as soon as it is
// known) for a line longer than max. A yielded line aliases p or the
// splitter's buffer and is valid only until the next iteration step. An
// unfinished line at the end of p is kept for the next call.
//
// If the caller stops early (a /quit), the bytes after that line are
// dropped: nothing a client sends after leaving is looked at.
func (s *lineSplitter) lines(p []byte) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		for len(p) > 0 {
			i := bytes.IndexByte(p, '\n')
			if i < 0 {
				if !s.keep(p) {
					yield(nil, errLineTooLong)
				}
				return
			}
			chunk := p[:i]
			p = p[i+1:]
			if s.skip {
				s.skip = false // the LF ends the line we were skipping
				continue
			}
			var line []byte
			var err error
			switch {
			case len(s.partial)+len(chunk) > s.max+1:
				err = errLineTooLong // checked before copying: never buffered
			case len(s.partial) == 0:
				line = chunk // the common case: a whole line in one read, no copy
			default:
				s.partial = append(s.partial, chunk...)
				line = s.partial
			}
			if line = dropCR(line); len(line) > s.max {
				line, err = nil, errLineTooLong
			}
			ok := yield(line, err)
			s.reset()
			if !ok {
				return
			}
		}
	}
}

// keep appends an unfinished tail of input to the partial line. It reports
// false the moment the line is known to be too long: it then starts skipping
// the line and drops what it held. It never holds more than max+1 bytes,
// the +1 being a CR that may yet be followed by LF.
func (s *lineSplitter) keep(p []byte) bool {
	if s.skip {
		return true // already reported
	}
	n := len(s.partial) + len(p)
	if n > s.max+1 || (n == s.max+1 && p[len(p)-1] != '\r') {
		s.skip = true
		s.reset()
		return false
	}
	s.partial = append(s.partial, p...)
	return true
}

// reset forgets the line just handled. A buffer that grew for a long line is
// let go rather than kept for the life of the connection.
func (s *lineSplitter) reset() {
	if cap(s.partial) > 256 {
		s.partial = nil
	} else {
		s.partial = s.partial[:0]
	}
}

// pending reports whether part of a line is buffered (or being skipped).
func (s *lineSplitter) pending() bool { return len(s.partial) > 0 || s.skip }

// rest returns the unfinished line, for a client that half-closes without a
// final LF; ok is false if there is none or it is being skipped.
func (s *lineSplitter) rest() (line []byte, ok bool) {
	if s.skip || len(s.partial) == 0 {
		return nil, false
	}
	line = dropCR(s.partial)
	s.partial = nil
	return line, true
}

func dropCR(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		return line[:n-1]
	}
	return line
}
