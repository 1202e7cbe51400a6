package netlabtest

import (
	"bytes"
	"context"
	"sync"

	"github.com/netlab-go/netlab"
)

// BusyEcho returns an echo [Probe] whose sessions are busy (not idle) from
// a message starting "busy" until one starting "done": a transfer that a
// graceful Shutdown must let finish, and that a context ending or Close
// cuts short. Each connection is busy on its own. The probe calls onClosed,
// which may be nil, when a session ends: one made by [Closes], say.
func BusyEcho(onClosed func(netlab.Conn, error)) *Probe {
	var busy sync.Map // netlab.Conn → struct{}{} while its session is busy
	return &Probe{
		OnData: func(c netlab.Conn, p []byte) {
			switch {
			case bytes.HasPrefix(p, []byte("busy")):
				busy.Store(c, struct{}{})
			case bytes.HasPrefix(p, []byte("done")):
				busy.Delete(c)
			}
			c.Send(p)
		},
		IsIdle: func(c netlab.Conn) bool {
			_, working := busy.Load(c)
			return !working
		},
		OnClosed: onClosed,
	}
}

// Shutdown runs srv.Shutdown(ctx) on a goroutine of its own and returns the
// channel its result arrives on, so that a test can check what happens
// while Shutdown waits ([Await] the result, or select on it with a default
// to see that it has not returned yet).
func Shutdown(ctx context.Context, srv interface{ Shutdown(context.Context) error }) <-chan error {
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	return done
}
