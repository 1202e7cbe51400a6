package labkit

import (
	"github.com/netlab-go/netlab"
)

// Opened wraps svc so that every session it opens is reported on the
// channel returned, once Open has returned. A model may open two sessions
// on two goroutines at once, so a test that needs the first client to be
// "guest-1" waits for its session before the second client connects. The
// channel holds 64 reports; past that, Open waits for the test.
func Opened(svc netlab.Service) (netlab.Service, <-chan struct{}) {
	ch := make(chan struct{}, 64)
	return opened{svc, ch}, ch
}

type opened struct {
	netlab.Service
	ch chan struct{}
}

func (o opened) Open(c netlab.Conn) netlab.Session {
	s := o.Service.Open(c)
	o.ch <- struct{}{}
	return s
}
