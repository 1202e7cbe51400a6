package tempconv

import (
	"bytes"
	"math"
	"strconv"

	"github.com/netlab-go/netlab"
)

// MaxLine is the longest line the service reads, in bytes, not counting
// its CR LF: far more than any temperature needs, and a bound on what a
// session holds.
const MaxLine = 64

// The range of temperatures converted, in degrees Celsius.
const (
	AbsoluteZero = -273.15
	MaxCelsius   = 1e9
)

// The error lines.
const (
	replyNotANumber  = "! not a number\n"
	replyOutOfRange  = "! out of range\n"
	replyLineTooLong = "! line too long\n"
)

// Service is the temperature converter. It keeps no state shared between
// connections: one Service serves any number of them at once.
type Service struct{}

var _ netlab.Service = (*Service)(nil)

// New returns the temperature converter.
func New() *Service { return &Service{} }

// Open implements [netlab.Service].
func (*Service) Open(c netlab.Conn) netlab.Session { return &session{c: c} }

// Fahrenheit converts degrees Celsius to degrees Fahrenheit.
func Fahrenheit(celsius float64) float64 { return celsius*9/5 + 32 }

// Reply returns the line the service answers line with (line without its
// LF or CR), or "" for a line that gets no answer.
func Reply(line []byte) string {
	text := bytes.Trim(line, " \t")
	if len(text) == 0 {
		return ""
	}
	if !isDecimal(text) {
		return replyNotANumber
	}
	c, err := strconv.ParseFloat(string(text), 64)
	if err != nil || c < AbsoluteZero || c > MaxCelsius {
		return replyOutOfRange
	}
	f := math.Round(Fahrenheit(c)*100) / 100
	if f == 0 {
		f = 0 // no "-0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64) + "\n"
}

// isDecimal reports whether s is [+-]digits[.digits] with at least one
// digit: ParseFloat alone would also take "1e3", "Inf" and "0x1p4".
func isDecimal(s []byte) bool {
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	digits, point := 0, false
	for _, b := range s {
		switch {
		case '0' <= b && b <= '9':
			digits++
		case b == '.' && !point:
			point = true
		default:
			return false
		}
	}
	return digits > 0
}

// session holds the start of a line whose LF has not come yet, at most
// MaxLine+1 bytes (the +1 a CR that may end a line of exactly MaxLine).
type session struct {
	c       netlab.Conn
	partial []byte
	skip    bool // the current line was too long: drop bytes up to its LF
}

// Data implements [netlab.Session]: it answers each complete line.
func (s *session) Data(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.keep(p)
			return
		}
		s.keep(p[:i])
		p = p[i+1:]
		if s.skip {
			s.skip = false
		} else {
			s.answer()
		}
		s.partial = s.partial[:0]
	}
}

// keep adds p to the unfinished line, or says the line is too long the
// moment it is.
func (s *session) keep(p []byte) {
	if s.skip {
		return
	}
	if len(s.partial)+len(p) > MaxLine+1 {
		s.skip = true
		s.partial = s.partial[:0]
		s.c.Send([]byte(replyLineTooLong))
		return
	}
	s.partial = append(s.partial, p...)
}

// answer replies to the line in s.partial.
func (s *session) answer() {
	line := bytes.TrimSuffix(s.partial, []byte("\r"))
	if len(line) > MaxLine {
		s.c.Send([]byte(replyLineTooLong))
		return
	}
	if r := Reply(line); r != "" {
		s.c.Send([]byte(r))
	}
}

// EOF implements [netlab.Session]: a last line without LF is answered;
// the model then closes the connection.
func (s *session) EOF() {
	if len(s.partial) > 0 && !s.skip {
		s.answer()
	}
	s.partial, s.skip = nil, false
}

// Closed implements [netlab.Session]: a session holds nothing to release.
func (s *session) Closed(error) {}
