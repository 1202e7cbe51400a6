package multiprocess

import (
	"errors"
	"time"

	"github.com/netlab-go/netlab"
)

// reporting wraps a child's service so that the parent hears of a session
// that panicked or a connection dropped for overflow — and hears it before
// the session's Closed runs. That order matters for chat: Closed leaves the
// hub, the others see "* NAME left", and by then the server's Stats must
// already count the drop.
func reporting(svc netlab.Service, ctl *control) netlab.Service {
	return &reportingService{svc: svc, ctl: ctl}
}

type reportingService struct {
	svc netlab.Service
	ctl *control
}

func (s *reportingService) Open(c netlab.Conn) netlab.Session {
	var sess netlab.Session
	s.guard(func() { sess = s.svc.Open(c) })
	return &reportingSession{Session: sess, s: s}
}

func (s *reportingService) BusyReply() []byte { return netlab.BusyReplyOf(s.svc) }

func (s *reportingService) IdleTimeout() time.Duration { return netlab.IdleTimeoutOf(s.svc) }

// guard runs session code and, if it panics, tells the parent and waits for
// its acknowledgement before letting the panic go on to the engine, which
// recovers it and closes the connection.
func (s *reportingService) guard(f func()) {
	defer func() {
		if r := recover(); r != nil {
			s.ctl.report(verbPanic)
			panic(r)
		}
	}()
	f()
}

type reportingSession struct {
	netlab.Session
	s *reportingService
}

func (r *reportingSession) Data(p []byte) { r.s.guard(func() { r.Session.Data(p) }) }

func (r *reportingSession) EOF() { r.s.guard(r.Session.EOF) }

func (r *reportingSession) Closed(err error) {
	if errors.Is(err, netlab.ErrOverflow) {
		r.s.ctl.report(verbDrop)
	}
	r.s.guard(func() { r.Session.Closed(err) })
}

func (r *reportingSession) Idle() bool {
	if i, ok := r.Session.(netlab.Idler); ok {
		var idle bool
		r.s.guard(func() { idle = i.Idle() })
		return idle
	}
	return true
}
