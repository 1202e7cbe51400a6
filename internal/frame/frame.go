package frame

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// MaxVerb is the longest verb a frame may have, in bytes.
const MaxVerb = 16

// Answer is the verb of the frame that answers a tagged call: its NUM is the
// call's tag and its TEXT the result.
const Answer = "answer"

// A Frame is one message of a line protocol: "VERB NUM TEXT".
type Frame struct {
	Verb string // 1 to MaxVerb bytes of a-z
	Num  uint64 // a tag, an ID or a count; 0 when the verb needs none
	Text string // the rest of the line: any bytes but LF, possibly none
}

// ErrMalformed is wrapped by the error of [Parse] and [Reader.Read] for a
// line that is not a frame.
var ErrMalformed = errors.New("frame: malformed line")

// ErrTooLong is wrapped by the error of [Reader.Read] for a line longer than
// the reader's limit.
var ErrTooLong = errors.New("frame: line too long")

// Valid reports whether f can be framed: its verb is 1 to [MaxVerb] letters
// a-z and its text holds no LF.
func (f Frame) Valid() bool {
	if !validVerb(f.Verb) {
		return false
	}
	for i := range len(f.Text) {
		if f.Text[i] == '\n' {
			return false
		}
	}
	return true
}

// Append appends f's line, LF included, to b and returns the result. It
// does not check f: a caller that frames text from elsewhere checks it with
// [Frame.Valid] first, since an LF in the text would end the line early.
func (f Frame) Append(b []byte) []byte {
	b = append(b, f.Verb...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, f.Num, 10)
	if f.Text != "" {
		b = append(b, ' ')
		b = append(b, f.Text...)
	}
	return append(b, '\n')
}

// String returns f's line without its LF.
func (f Frame) String() string {
	b := f.Append(nil)
	return string(b[:len(b)-1])
}

// Parse reads the frame in line, which holds no LF (its terminator already
// cut off). It accepts exactly what [Frame.Append] writes.
func Parse(line []byte) (Frame, error) {
	verb, rest, ok := cut(line)
	if !ok || !validVerb(string(verb)) {
		return Frame{}, fmt.Errorf("%w: %q: want VERB NUM [TEXT]", ErrMalformed, clip(line))
	}
	num, text, hasText := cut(rest)
	n, err := parseNum(num)
	if err != nil || hasText && len(text) == 0 {
		return Frame{}, fmt.Errorf("%w: %q: want VERB NUM [TEXT]", ErrMalformed, clip(line))
	}
	for _, c := range text {
		if c == '\n' {
			return Frame{}, fmt.Errorf("%w: %q: LF inside a frame", ErrMalformed, clip(line))
		}
	}
	return Frame{Verb: string(verb), Num: n, Text: string(text)}, nil
}

// cut splits p at its first space.
func cut(p []byte) (before, after []byte, found bool) {
	for i, c := range p {
		if c == ' ' {
			return p[:i], p[i+1:], true
		}
	}
	return p, nil, false
}

func validVerb(v string) bool {
	if len(v) == 0 || len(v) > MaxVerb {
		return false
	}
	for i := range len(v) {
		if v[i] < 'a' || v[i] > 'z' {
			return false
		}
	}
	return true
}

// parseNum reads a canonical decimal: strconv alone would take "+1" and
// "007", and then two lines would mean one frame.
func parseNum(p []byte) (uint64, error) {
	if len(p) == 0 || len(p) > 1 && p[0] == '0' || p[0] < '0' || p[0] > '9' {
		return 0, ErrMalformed
	}
	return strconv.ParseUint(string(p), 10, 64)
}

// clip shortens a bad line for an error message.
func clip(p []byte) []byte {
	if len(p) > 64 {
		return p[:64]
	}
	return p
}

// A Reader reads frames from a stream, one line at a time, never holding
// more than its limit of a line in memory.
type Reader struct {
	r     *bufio.Reader
	limit bool // lines are at most r.Size() bytes
}

// NewReader returns a reader of frames from r whose lines, LF included, are
// at most max bytes. A max of zero or less means no limit, for a stream from
// a side that is trusted to send well-formed lines of any length: the reader
// then buffers a small part of a line, and grows a line as long as it is.
func NewReader(r io.Reader, max int) *Reader {
	if max <= 0 {
		return &Reader{r: bufio.NewReader(r)}
	}
	return &Reader{r: bufio.NewReaderSize(r, max), limit: true}
}

// Buffered returns how many bytes the reader holds that it has read from
// the stream and not yet returned as frames. While it is not zero the next
// Read returns without waiting on the stream; a reader that batches the
// work frames cause hands the batch on when it is zero, before it waits.
func (r *Reader) Buffered() int { return r.r.Buffered() }

// Read returns the next frame. At the end of the stream it returns io.EOF;
// a line cut by the end of the stream is [io.ErrUnexpectedEOF]; a line over
// the limit wraps [ErrTooLong], and one that is not a frame [ErrMalformed].
// After an error the stream cannot be trusted to be in step, and the
// caller should stop reading it.
func (r *Reader) Read() (Frame, error) {
	var line []byte
	var err error
	if r.limit {
		line, err = r.r.ReadSlice('\n')
	} else {
		line, err = r.r.ReadBytes('\n')
	}
	switch {
	case err == nil:
		return Parse(line[:len(line)-1])
	case errors.Is(err, bufio.ErrBufferFull):
		return Frame{}, fmt.Errorf("%w: over %d bytes", ErrTooLong, r.r.Size())
	case errors.Is(err, io.EOF) && len(line) > 0:
		return Frame{}, io.ErrUnexpectedEOF
	}
	return Frame{}, err
}
