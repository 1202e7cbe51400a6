package multiprocess

import (
	"errors"
	"fmt"
	"net"

	"github.com/netlab-go/netlab/internal/frame"
)

// The control protocol runs on each child's control socketpair (fd 4 in the
// child). Both halves are in this file: what a child asks and tells, and how
// the parent answers. Every message is one frame of internal/frame, a line
// "VERB NUM [TEXT]"; the table is in the package documentation.
const (
	// child → parent
	verbOpen  = "open"  // open TAG: may I serve the connection I accepted? answer TAG ok|busy
	verbClose = "close" // close N: N connections I served have ended; no answer
	verbPanic = "panic" // panic TAG: a session panicked; answer TAG ack
	verbDrop  = "drop"  // drop TAG: a client was dropped for overflow; answer TAG ack

	// parent → child
	verbShutdown = "shutdown" // shutdown 0: stop accepting, finish what is in flight, exit

	// answers, in the TEXT of frame.Answer
	answerOK   = "ok"
	answerBusy = "busy"
	answerAck  = "ack"
)

// controlMaxLine bounds a line either side reads: every control frame is a
// verb and a number or two.
const controlMaxLine = 128

// The parent's half.

// serveControl answers a child's control requests until its end of the
// socketpair closes, which happens when the child exits (or when it sent
// what is not part of the protocol: then its requests can no longer be
// trusted, and it is killed). Reading to the end is what makes reaping safe
// to block on afterwards.
func (s *Server) serveControl(ch *child) {
	r := frame.NewReader(ch.ctl, controlMaxLine)
	for {
		f, err := r.Read()
		if err == nil {
			var ans string
			if ans, err = s.handleControl(ch, f); err == nil {
				if ans != "" {
					ch.w.Write(frame.Frame{Verb: frame.Answer, Num: f.Num, Text: ans})
				}
				continue
			}
		}
		// The end of the stream, or a reset: a child that exits with our
		// last frame unread in its socket resets it. Only what is not the
		// protocol means the child is broken.
		if errors.Is(err, errUnknownRequest) || errors.Is(err, frame.ErrMalformed) || errors.Is(err, frame.ErrTooLong) {
			s.log.Error("multiprocess: a child broke the control protocol; killing it", "pid", ch.cmd.Process.Pid, "err", err)
			ch.cmd.Process.Kill()
		}
		return
	}
}

// errUnknownRequest is handleControl's error for a verb that is not the
// child's to send.
var errUnknownRequest = errors.New("multiprocess: unknown control request")

// handleControl runs one of ch's requests and returns the answer's text,
// or "" for a request that has none.
func (s *Server) handleControl(ch *child, f frame.Frame) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch f.Verb {
	case verbOpen:
		if s.closing || s.active >= int64(s.cfg.MaxConns) {
			s.refused++
			return answerBusy, nil
		}
		ch.open++
		s.active++
		s.accepted++
		return answerOK, nil
	case verbClose:
		// A child can only end what it was counted for.
		n := min(f.Num, uint64(ch.open))
		ch.open -= int64(n)
		s.active -= int64(n)
		return "", nil
	case verbPanic:
		s.panics++
		return answerAck, nil
	case verbDrop:
		s.dropped++
		return answerAck, nil
	}
	return "", fmt.Errorf("%w %q", errUnknownRequest, f.String())
}

// The child's half.

// control is a child's end of the socketpair: it asks and tells, and it
// obeys shutdown.
type control struct {
	conn       net.Conn
	w          *frame.Writer
	calls      *frame.Calls
	onShutdown func() // the parent said shutdown
	onLost     func() // the parent is gone, or talks nonsense
}

func newControl(c net.Conn) *control {
	w := frame.NewWriter(c)
	return &control{conn: c, w: w, calls: frame.NewCalls(w)}
}

// mayOpen asks the parent whether the server has room for one more
// connection. It reports ok false if the parent is gone.
func (c *control) mayOpen() (room, ok bool) {
	ans, ok := c.calls.Call(verbOpen, "")
	return ans == answerOK, ok
}

// closed tells the parent that a connection it counted has ended.
func (c *control) closed() { c.w.Write(frame.Frame{Verb: verbClose, Num: 1}) }

// report tells the parent of a panic or a drop (verbPanic, verbDrop) and
// waits until it has counted it.
func (c *control) report(verb string) { c.calls.Call(verb, "") }

// read routes the parent's frames until the socketpair closes.
func (c *control) read() {
	r := frame.NewReader(c.conn, controlMaxLine)
	var err error
	for {
		var f frame.Frame
		if f, err = r.Read(); err != nil {
			break
		}
		switch f.Verb {
		case frame.Answer:
			c.calls.Answer(f.Num, f.Text)
		case verbShutdown:
			c.onShutdown()
		}
	}
	c.calls.Lost()
	if !errors.Is(err, net.ErrClosed) {
		c.onLost()
	}
}
