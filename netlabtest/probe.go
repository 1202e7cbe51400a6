package netlabtest

import "github.com/netlab-go/netlab"

// Probe is a [netlab.Service] made of functions, for testing a model: each
// session method calls the matching field, if it is set, with the session's
// Conn. Data echoes by default. A test builds the session it needs — one
// that panics, one that sends files, one that is never idle, one that says
// when it opens — in a few lines:
//
//	opened, opens := netlabtest.Opens()
//	svc := &netlabtest.Probe{OnOpen: opened}
//	addr, _ := netlabtest.Start(t, netlabtest.Infallible(perconn.New), svc, netlab.Config{})
//	netlabtest.Dial(t, addr)
//	c := netlabtest.Await(t, opens, "the session to open")
//
// The fields are read by every session: set them before the server starts.
type Probe struct {
	OnOpen   func(c netlab.Conn)
	OnData   func(c netlab.Conn, p []byte) // nil: send p back
	OnEOF    func(c netlab.Conn)
	OnClosed func(c netlab.Conn, err error)

	// IsIdle, if set, makes every session a [netlab.Idler] that answers
	// with it; nil sessions are not Idlers.
	IsIdle func(c netlab.Conn) bool

	// Busy is the [netlab.BusyReplier] answer: what a client the server
	// has no room for is sent.
	Busy []byte
}

var (
	_ netlab.Service     = (*Probe)(nil)
	_ netlab.BusyReplier = (*Probe)(nil)
	_ netlab.Session     = (*probeSession)(nil)
	_ netlab.Idler       = idlerSession{}
)

// Open calls OnOpen and returns the session.
func (p *Probe) Open(c netlab.Conn) netlab.Session {
	if p.OnOpen != nil {
		p.OnOpen(c)
	}
	s := &probeSession{p: p, c: c}
	if p.IsIdle != nil {
		return idlerSession{s}
	}
	return s
}

// BusyReply returns p.Busy.
func (p *Probe) BusyReply() []byte { return p.Busy }

type probeSession struct {
	p *Probe
	c netlab.Conn
}

func (s *probeSession) Data(b []byte) {
	if s.p.OnData != nil {
		s.p.OnData(s.c, b)
		return
	}
	s.c.Send(b)
}

func (s *probeSession) EOF() {
	if s.p.OnEOF != nil {
		s.p.OnEOF(s.c)
	}
}

func (s *probeSession) Closed(err error) {
	if s.p.OnClosed != nil {
		s.p.OnClosed(s.c, err)
	}
}

type idlerSession struct{ *probeSession }

func (s idlerSession) Idle() bool { return s.p.IsIdle(s.c) }

// eventBuffer is how many events Opens and Closes hold before the session
// that reports one waits for the test to take it.
const eventBuffer = 64

// Opens returns a function for [Probe.OnOpen] that hands each new Conn to
// the test, and the channel it arrives on.
func Opens() (func(netlab.Conn), <-chan netlab.Conn) {
	ch := make(chan netlab.Conn, eventBuffer)
	return func(c netlab.Conn) { ch <- c }, ch
}

// Closes returns a function for [Probe.OnClosed] that hands each session's
// end to the test, and the channel it arrives on.
func Closes() (func(netlab.Conn, error), <-chan error) {
	ch := make(chan error, eventBuffer)
	return func(_ netlab.Conn, err error) { ch <- err }, ch
}

// Signal returns a function that records that something happened without
// ever blocking its caller (an event loop must not wait on a test), and the
// channel that hears of it. Several calls before the test looks count once.
func Signal() (func(), <-chan struct{}) {
	ch := make(chan struct{}, 1)
	return func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}, ch
}
